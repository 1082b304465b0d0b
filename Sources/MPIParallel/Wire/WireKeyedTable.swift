/// The entries of one keyed container, read up front: key, and where the
/// value's bytes are. Lookups try the entry after the last one decoded first
/// (synthesized `init(from:)` decodes in the encoding order), then fall back
/// to a dictionary built on first miss.
final class WireKeyedTable {
  struct Entry {
    let key: String
    let start: Int
    let length: Int
  }

  let bytes: [UInt8]
  /// Offset of the container's entry count (for error messages).
  let offset: Int
  let entries: [Entry]
  private var hint = 0
  private var index: [String: Int]?

  /// Reads a `UInt32` count and that many entries, leaving `reader` after the
  /// container.
  init(reading reader: inout WireReader) throws {
    offset = reader.offset
    bytes = reader.bytes
    let count = Int(try reader.read(UInt32.self))
    // An entry is at least a 4-byte key length and an 8-byte value length.
    guard count <= reader.remaining / 12 else {
      throw WireError.truncated(needed: count * 12, available: reader.remaining, offset: reader.offset)
    }
    var entries: [Entry] = []
    entries.reserveCapacity(count)
    for _ in 0..<count {
      let key = try reader.readString()
      let length = try reader.readLength(elementSize: 1)
      entries.append(Entry(key: key, start: reader.offset, length: length))
      try reader.skip(length)
    }
    self.entries = entries
  }

  /// The index of the entry for `key`, if there is one.
  func find(_ key: String) -> Int? {
    if hint < entries.count, entries[hint].key == key { return hint }
    if entries.count <= 8 {
      return entries.firstIndex { $0.key == key }
    }
    if index == nil {
      var map: [String: Int] = [:]
      map.reserveCapacity(entries.count)
      for (i, entry) in entries.enumerated() where map[entry.key] == nil { map[entry.key] = i }
      index = map
    }
    return index![key]
  }

  /// The entry for `key`, or ``WireError/keyNotFound(_:offset:)``; the next
  /// lookup will try the following entry first.
  func entry(_ key: String) throws -> Entry {
    guard let i = find(key) else { throw WireError.keyNotFound(key, offset: offset) }
    hint = i + 1
    return entries[i]
  }

  /// A reader over the value of `entry`.
  func reader(for entry: Entry) -> WireReader {
    WireReader(bytes: bytes, start: entry.start, end: entry.start + entry.length)
  }
}
