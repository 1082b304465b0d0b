/// Reads an unkeyed container: the element count read by
/// `WireDecoder.unkeyedContainer()` decides `count` and `isAtEnd`; elements
/// are read in order from the decoder's position.
struct WireUnkeyedDecodingContainer: UnkeyedDecodingContainer {
  let decoder: WireDecoder
  let elementCount: Int
  private(set) var currentIndex = 0

  init(decoder: WireDecoder, elementCount: Int) {
    self.decoder = decoder
    self.elementCount = elementCount
  }

  var codingPath: [any CodingKey] { decoder.codingPath }
  var count: Int? { elementCount }
  var isAtEnd: Bool { currentIndex >= elementCount }

  /// True (and consumes it) if the next element is the single 0 byte written
  /// by `encodeNil()`.
  mutating func decodeNil() throws -> Bool {
    try checkNotAtEnd()
    guard decoder.reader.peekByte() == 0 else { return false }
    try decoder.reader.skip(1)
    currentIndex += 1
    return true
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try checkNotAtEnd()
    var reader = decoder.reader
    let value = try WireDecoding.decodeValue(
      T.self, from: &reader, parent: decoder, key: WireCodingKey(index: currentIndex))
    decoder.reader = reader
    currentIndex += 1
    return value
  }

  mutating func decode(_ type: Bool.Type) throws -> Bool { try decode(generic: type) }
  mutating func decode(_ type: String.Type) throws -> String { try decode(generic: type) }
  mutating func decode(_ type: Double.Type) throws -> Double { try decode(generic: type) }
  mutating func decode(_ type: Float.Type) throws -> Float { try decode(generic: type) }
  mutating func decode(_ type: Int.Type) throws -> Int { try decode(generic: type) }
  mutating func decode(_ type: Int8.Type) throws -> Int8 { try decode(generic: type) }
  mutating func decode(_ type: Int16.Type) throws -> Int16 { try decode(generic: type) }
  mutating func decode(_ type: Int32.Type) throws -> Int32 { try decode(generic: type) }
  mutating func decode(_ type: Int64.Type) throws -> Int64 { try decode(generic: type) }
  mutating func decode(_ type: UInt.Type) throws -> UInt { try decode(generic: type) }
  mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(generic: type) }
  mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(generic: type) }
  mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(generic: type) }
  mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(generic: type) }

  private mutating func decode<T: Decodable>(generic type: T.Type) throws -> T { try decode(type) }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy type: NestedKey.Type
  ) throws -> KeyedDecodingContainer<NestedKey> {
    let child = try childDecoder()
    let container = try child.container(keyedBy: NestedKey.self)
    decoder.reader.seek(to: child.endOffset())  // a keyed container is read up front
    currentIndex += 1
    return container
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    let child = try childDecoder()
    let container = try child.unkeyedContainer()
    decoder.setPendingChild(child)  // its elements are read later
    currentIndex += 1
    return container
  }

  mutating func superDecoder() throws -> any Decoder {
    let child = try childDecoder()
    decoder.setPendingChild(child)
    currentIndex += 1
    return child
  }

  private func checkNotAtEnd() throws {
    decoder.sync()
    guard currentIndex < elementCount else {
      throw WireError.invalidValue(
        "unkeyed container has no element \(currentIndex) (it holds \(elementCount))",
        offset: decoder.reader.offset)
    }
  }

  private func childDecoder() throws -> WireDecoder {
    try checkNotAtEnd()
    return try WireDecoder(reader: decoder.reader, parent: decoder, key: WireCodingKey(index: currentIndex))
  }
}
