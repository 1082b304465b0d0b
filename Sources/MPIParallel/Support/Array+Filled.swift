extension Array {
  /// `count` copies of `value`.
  ///
  /// Unlike `Array(repeating:count:)`, whose allocation runs unspecialized in
  /// the standard library (a generic metadata lookup per array), this
  /// allocates through `reserveCapacity`, which is specialized for the
  /// element type here: it matters for the few small arrays made per call.
  @inline(__always)
  static func filled(with value: Element, count: Int) -> [Element] {
    var array: [Element] = []
    array.reserveCapacity(count)
    for _ in 0..<count { array.append(value) }
    return array
  }
}
