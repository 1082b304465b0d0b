/// Appends values in the wire format to a byte buffer.
///
/// Layout rules (all little-endian):
/// - fixed-width integers at their width; `Int`/`UInt` as 8 bytes
///   (64-bit hosts only);
/// - `Double`/`Float` as their IEEE bit patterns (8/4 bytes);
/// - `Bool` as one byte, 0 or 1;
/// - `String` as a `UInt32` UTF-8 byte length followed by the UTF-8 bytes;
/// - blobs as a `UInt64` length followed by the bytes.
///
/// ``encode(_:)`` writes any `Encodable` (see `WireEncoder` for the layout of
/// containers, optionals and the raw-memory fast path for numeric arrays).
@usableFromInline
struct WireWriter {
  /// Everything written so far.
  private(set) var bytes: [UInt8]

  /// An empty writer whose buffer has room for `reservingCapacity` bytes.
  init(reservingCapacity: Int = 64) {
    bytes = []
    if reservingCapacity > 0 { bytes.reserveCapacity(reservingCapacity) }
  }

  /// Makes room for `extra` more bytes, so that writing them moves nothing written before.
  mutating func reserve(_ extra: Int) {
    bytes.reserveCapacity(bytes.count + extra)
  }

  /// Number of bytes written so far.
  var count: Int { bytes.count }

  /// Appends `value` little-endian at its full width (`Int`/`UInt`: 8 bytes).
  @inline(__always)
  mutating func write<T: FixedWidthInteger>(_ value: T) {
    withUnsafeBytes(of: value.littleEndian) { appendRaw($0) }
  }

  /// Appends one byte (one append of an element: cheaper than a copy of
  /// raw bytes, which suits wider values).
  @inline(__always)
  mutating func write(_ value: UInt8) { bytes.append(value) }

  /// Appends the 8-byte IEEE-754 bit pattern of `value`.
  @inline(__always)
  mutating func write(_ value: Double) { write(value.bitPattern) }

  /// Appends the 4-byte IEEE-754 bit pattern of `value`.
  @inline(__always)
  mutating func write(_ value: Float) { write(value.bitPattern) }

  /// Appends one byte: 1 for true, 0 for false.
  @inline(__always)
  mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

  /// Appends a `UInt32` UTF-8 byte length followed by the UTF-8 bytes.
  mutating func write(_ value: String) {
    let utf8 = value.utf8
    let length = utf8.count
    precondition(
      length <= Int(UInt32.max), "WireWriter: string of \(length) UTF-8 bytes exceeds UInt32 length")
    write(UInt32(truncatingIfNeeded: length))
    bytes.append(contentsOf: utf8)
  }

  /// Appends a `UInt64` length followed by `bytes`.
  mutating func writeBlob(_ bytes: [UInt8]) {
    write(UInt64(bytes.count))
    self.bytes.append(contentsOf: bytes)
  }

  /// Appends a `UInt64` length followed by the bytes in `bytes`.
  mutating func writeBlob(_ bytes: UnsafeRawBufferPointer) {
    write(UInt64(bytes.count))
    appendRaw(bytes)
  }

  /// Appends `bytes` as they are, with no length prefix.
  mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) { appendRaw(bytes) }

  /// Appends any `Encodable` value in the wire format.
  ///
  /// Plain numbers, `Bool` and `String` are written directly; arrays of
  /// ``WireScalar`` numbers take the raw-memory fast path; everything else
  /// goes through `WireEncoder`. If encoding throws, the writer is left as it
  /// was before the call.
  @usableFromInline
  mutating func encode<T: Encodable>(_ value: T) throws {
    if WireEncodingState.writePrimitive(value, to: &self) { return }
    let start = bytes.count
    let state = WireEncodingState()
    swap(&self, &state.writer)
    defer { swap(&self, &state.writer) }
    do {
      try state.encodeTopLevel(value)
    } catch {
      state.writer.truncate(to: start)
      throw error
    }
  }

  // MARK: Internal helpers

  /// Appends raw bytes with a single copy.
  @inline(__always)
  mutating func appendRaw(_ raw: UnsafeRawBufferPointer) {
    guard !raw.isEmpty else { return }
    raw.withMemoryRebound(to: UInt8.self) { bytes.append(contentsOf: $0) }
  }

  /// Overwrites the bytes at `offset` with `value` little-endian (used to
  /// fill in counts and lengths once they are known).
  mutating func patch<T: FixedWidthInteger>(_ value: T, at offset: Int) {
    precondition(offset >= 0 && offset + MemoryLayout<T>.size <= bytes.count, "WireWriter.patch out of range")
    bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
  }

  /// Drops everything written after the first `count` bytes.
  mutating func truncate(to count: Int) {
    if count < bytes.count { bytes.removeSubrange(count...) }
  }

  /// `UInt64` count followed by the elements' raw memory.
  mutating func writeScalarArray<Element: WireScalar>(_ array: [Element]) {
    write(UInt64(array.count))
    #if _endian(little)
      array.withUnsafeBytes { appendRaw($0) }
    #else
      for element in array { _ = WireEncodingState.writePrimitive(element, to: &self) }
    #endif
  }

  /// `UInt64` count followed by the elements' raw memory.
  mutating func writeScalarArray<Element: WireScalar>(_ array: ContiguousArray<Element>) {
    write(UInt64(array.count))
    #if _endian(little)
      array.withUnsafeBytes { appendRaw($0) }
    #else
      for element in array { _ = WireEncodingState.writePrimitive(element, to: &self) }
    #endif
  }
}
