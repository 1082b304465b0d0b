internal import MPIParallelSteering

/// Which steering jobs the hub forgets, so that what it keeps for clients to
/// read again stays within bounds: the oldest finished jobs go first, while
/// more jobs are kept than `count` or the finished ones hold more than
/// `bytes` of results. A job still running is never forgotten, nor the
/// newest finished one (its client may not have read it yet). Pure.
enum KeptJobs {
  /// A kept job: its id (ids grow with submission) and, once it has
  /// finished, the bytes its results hold.
  struct Entry: Equatable {
    let id: Int
    let bytes: Int?
  }

  /// The ids to forget among `entries`, oldest first.
  static func forgotten(_ entries: [Entry], count: Int, bytes: Int) -> [Int] {
    let finished = entries.filter { $0.bytes != nil }
    guard let newest = finished.map(\.id).max() else { return [] }
    var kept = entries.count
    var held = finished.reduce(0) { $0 + $1.bytes! }
    var ids: [Int] = []
    for entry in finished.sorted(by: { $0.id < $1.id }) where entry.id != newest {
      guard kept > count || held > bytes else { break }
      ids.append(entry.id)
      kept -= 1
      held -= entry.bytes!
    }
    return ids
  }

  /// About how many bytes `value` holds: its numbers' and strings' bytes,
  /// and 16 per value for the rest.
  static func byteCount(of value: JSONValue) -> Int {
    switch value {
    case .null, .bool, .int, .double: return 16
    case .string(let text): return 16 + text.utf8.count
    case .numbers(let array): return 16 + array.count * array.kind.size
    case .array(let values): return values.reduce(16) { $0 + byteCount(of: $1) }
    case .object(let fields): return fields.reduce(16) { $0 + $1.key.utf8.count + byteCount(of: $1.value) }
    }
  }
}
