/// Block partitions of a sequence over parts, as IPython's `Map` splits data
/// for scatter and DirectView.map: part p of q holds
/// `[p*base + min(p, extra), ...)` where `base = n / q` and the first
/// `n % q` parts get one more item. Parts may be empty when n < q.
enum Partition {
  /// The index range of part `part` of `parts` over `count` items.
  static func range(part: Int, of parts: Int, count: Int) -> Range<Int> {
    precondition(parts > 0 && part >= 0 && part < parts, "partition \(part) of \(parts)")
    let base = count / parts
    let extra = count % parts
    let lower = part * base + Swift.min(part, extra)
    let upper = lower + base + (part < extra ? 1 : 0)
    return lower..<upper
  }

  /// All the parts' ranges, in order; they tile 0..<count.
  static func ranges(count: Int, parts: Int) -> [Range<Int>] {
    (0..<parts).map { range(part: $0, of: parts, count: count) }
  }

  /// Consecutive chunks of `chunkSize` (the last may be shorter), as a
  /// load-balanced map with `chunksize` cuts its items.
  static func chunks(count: Int, chunkSize: Int) -> [Range<Int>] {
    precondition(chunkSize > 0, "chunk size must be positive")
    return stride(from: 0, to: count, by: chunkSize).map { $0..<Swift.min(count, $0 + chunkSize) }
  }
}
