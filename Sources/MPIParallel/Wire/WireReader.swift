/// Reads what ``WireWriter`` wrote.
///
/// Every read checks bounds first and throws ``WireError/truncated(needed:available:offset:)``
/// instead of trapping; ``offset`` is always an absolute position in the
/// buffer given to ``init(_:)``, so error messages point at the real byte.
@usableFromInline
struct WireReader {
  /// The whole message (shared, never copied).
  let bytes: [UInt8]
  /// Absolute position of the next byte to read.
  private(set) var offset: Int
  /// One past the last byte this reader may read.
  let end: Int

  /// A reader over all of `bytes`.
  init(_ bytes: [UInt8]) {
    self.bytes = bytes
    self.offset = 0
    self.end = bytes.count
  }

  /// A reader over `bytes[start..<end]` (offsets stay absolute).
  init(bytes: [UInt8], start: Int, end: Int) {
    precondition(0 <= start && start <= end && end <= bytes.count, "WireReader: bad range")
    self.bytes = bytes
    self.offset = start
    self.end = end
  }

  /// Bytes left to read.
  var remaining: Int { end - offset }
  /// Whether everything has been read.
  var isAtEnd: Bool { offset >= end }

  /// Throws `truncated` unless `count` more bytes are available.
  @inline(__always)
  func require(_ count: Int) throws {
    guard count >= 0, count <= end - offset else {
      throw WireError.truncated(needed: count, available: end - offset, offset: offset)
    }
  }

  /// Reads a little-endian integer of `T`'s width (`Int`/`UInt`: 8 bytes).
  @inline(__always)
  mutating func read<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
    let size = MemoryLayout<T>.size
    try require(size)
    let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    offset += size
    return T(littleEndian: value)
  }

  /// Reads an 8-byte IEEE-754 `Double`.
  mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }

  /// Reads a 4-byte IEEE-754 `Float`.
  mutating func readFloat() throws -> Float { Float(bitPattern: try read(UInt32.self)) }

  /// Reads one byte that must be 0 or 1 (else ``WireError/invalidValue(_:offset:)``).
  mutating func readBool() throws -> Bool {
    let at = offset
    switch try read(UInt8.self) {
    case 0: return false
    case 1: return true
    case let byte: throw WireError.invalidValue("Bool byte must be 0 or 1, found \(byte)", offset: at)
    }
  }

  /// Reads a `UInt32` length and that many bytes of UTF-8 (validated).
  mutating func readString() throws -> String {
    let length = Int(try read(UInt32.self))
    try require(length)
    let start = offset
    let string = bytes.withUnsafeBufferPointer {
      String(validating: UnsafeBufferPointer(rebasing: $0[start..<(start + length)]), as: UTF8.self)
    }
    guard let string else { throw WireError.invalidUTF8(offset: start) }
    offset += length
    return string
  }

  /// Reads a `UInt64` length and that many bytes.
  mutating func readBlob() throws -> [UInt8] {
    let length = try readLength(elementSize: 1)
    return try readRaw(count: length)
  }

  /// Reads `count` bytes with no length prefix.
  mutating func readRaw(count: Int) throws -> [UInt8] {
    try require(count)
    let result = Array(bytes[offset..<(offset + count)])
    offset += count
    return result
  }

  /// The next `count` bytes as a slice of the message (sharing its storage), and advances.
  mutating func readSlice(count: Int) throws -> ArraySlice<UInt8> {
    try require(count)
    let result = bytes[offset..<(offset + count)]
    offset += count
    return result
  }

  /// Calls body with the next `count` raw bytes in place (no copy) and advances.
  mutating func withRaw<R>(count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
    try require(count)
    let start = offset
    let result = try bytes.withUnsafeBytes {
      try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)]))
    }
    offset = start + count
    return result
  }

  /// Decodes any `Decodable` value written by ``WireWriter/encode(_:)``,
  /// leaving the reader just after it. Bytes after the value are not checked
  /// (use `Wire.decode` for a whole buffer).
  ///
  /// (Inlinable: a caller specialized for `Int` or `Double` reads the
  /// number directly, with no generic decoding entry in between.)
  @inlinable
  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    if T.self == Int.self { return unsafeBitCast(try decodeInt(), to: T.self) }
    if T.self == Double.self { return unsafeBitCast(try decodeDouble(), to: T.self) }
    return try decodeValue(T.self)
  }

  /// `decode(Int.self)`; a value cut short fails through the generic
  /// entry, whose error names the type.
  @usableFromInline
  mutating func decodeInt() throws -> Int {
    guard remaining >= MemoryLayout<Int>.size else { return try decodeValue(Int.self) }
    return try read(Int.self)
  }

  /// `decode(Double.self)`; a value cut short fails through the generic
  /// entry, whose error names the type.
  @usableFromInline
  mutating func decodeDouble() throws -> Double {
    guard remaining >= MemoryLayout<Double>.size else { return try decodeValue(Double.self) }
    return try readDouble()
  }

  /// `decode` of any type, through the generic decoding entry.
  @usableFromInline
  mutating func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
    try WireDecoding.decodeValue(T.self, from: &self, parent: nil, key: nil)
  }

  // MARK: Internal helpers

  /// Reads a `UInt64` count of items of `elementSize` bytes each and checks
  /// that that many bytes are left (so a corrupt count cannot make anyone
  /// allocate or loop beyond the message). Items of size 0 are counted as 1.
  mutating func readLength(elementSize: Int) throws -> Int {
    let at = offset
    let raw = try read(UInt64.self)
    let size = Swift.max(elementSize, 1)
    guard raw <= UInt64(Int.max), Int(raw) <= (end - offset) / size else {
      let needed = raw > UInt64(Int.max) / UInt64(size) ? Int.max : Int(raw) * size
      throw WireError.truncated(needed: needed, available: end - offset, offset: at + 8)
    }
    return Int(raw)
  }

  /// Copies the next `destination.count` bytes into `destination` and advances.
  mutating func copyRaw(into destination: UnsafeMutableRawBufferPointer) throws {
    let count = destination.count
    try require(count)
    guard count > 0 else { return }
    let start = offset
    bytes.withUnsafeBytes {
      destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)]))
    }
    offset += count
  }

  /// Skips `count` bytes.
  mutating func skip(_ count: Int) throws {
    try require(count)
    offset += count
  }

  /// The next byte without consuming it, or nil at the end.
  func peekByte() -> UInt8? { offset < end ? bytes[offset] : nil }

  /// Moves to an absolute position within this reader's range.
  mutating func seek(to position: Int) {
    precondition(position >= 0 && position <= end, "WireReader.seek out of range")
    offset = position
  }
}
