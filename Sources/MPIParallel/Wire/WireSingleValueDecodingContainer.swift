/// Reads a single value container: the value's own bytes at the decoder's
/// position.
struct WireSingleValueDecodingContainer: SingleValueDecodingContainer {
  let decoder: WireDecoder

  var codingPath: [any CodingKey] { decoder.codingPath }

  /// True (and consumes it) if the next byte is the 0 written by `encodeNil()`.
  /// The format carries no type tags, so only use this for values encoded
  /// with a matching `encodeNil()`/value choice.
  func decodeNil() -> Bool {
    decoder.sync()
    guard decoder.reader.peekByte() == 0 else { return false }
    try? decoder.reader.skip(1)
    return true
  }

  func decode<T: Decodable>(_ type: T.Type) throws -> T {
    decoder.sync()
    var reader = decoder.reader
    let value = try WireDecoding.decodeValue(T.self, from: &reader, parent: decoder.parent, key: decoder.key)
    decoder.reader = reader
    return value
  }

  func decode(_ type: Bool.Type) throws -> Bool { try decode(generic: type) }
  func decode(_ type: String.Type) throws -> String { try decode(generic: type) }
  func decode(_ type: Double.Type) throws -> Double { try decode(generic: type) }
  func decode(_ type: Float.Type) throws -> Float { try decode(generic: type) }
  func decode(_ type: Int.Type) throws -> Int { try decode(generic: type) }
  func decode(_ type: Int8.Type) throws -> Int8 { try decode(generic: type) }
  func decode(_ type: Int16.Type) throws -> Int16 { try decode(generic: type) }
  func decode(_ type: Int32.Type) throws -> Int32 { try decode(generic: type) }
  func decode(_ type: Int64.Type) throws -> Int64 { try decode(generic: type) }
  func decode(_ type: UInt.Type) throws -> UInt { try decode(generic: type) }
  func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(generic: type) }
  func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(generic: type) }
  func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(generic: type) }
  func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(generic: type) }

  private func decode<T: Decodable>(generic type: T.Type) throws -> T { try decode(type) }
}
