/// Entry points for the binary wire format used between MPI ranks.
///
/// Layout summary (all integers little-endian):
///
/// | value | bytes |
/// |---|---|
/// | `Int8`…`Int64`, `UInt8`…`UInt64` | fixed width; `Int`/`UInt` are 8 bytes |
/// | `Float`, `Double` | IEEE-754 bit pattern, 4 / 8 bytes |
/// | `Bool` | 1 byte, 0 or 1 |
/// | `String` | `UInt32` UTF-8 length + UTF-8 |
/// | `[S]`, `S: WireScalar` | `UInt64` count + raw element memory (fast path) |
/// | `Optional` | flag byte 0 (none) / 1 (some) + the wrapped value |
/// | keyed container (structs, enums, `[String: V]`, `[Int: V]`) | `UInt32` entry count, then per entry: key `String`, `UInt64` value length, value |
/// | unkeyed container (arrays, sets, other dictionaries) | `UInt64` element count, then the elements back to back |
/// | single value container | the value itself |
///
/// Because every keyed entry carries its length, keyed values decode in any
/// key order and absent keys (`encodeIfPresent`/`decodeIfPresent`) work.
/// `encodeNil(forKey:)` writes an entry of length 0; `encodeNil()` in an
/// unkeyed or single value container writes one 0 byte.
enum Wire {
  /// Encodes `value` into a new buffer.
  static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
    var writer = WireWriter()
    try writer.encode(value)
    return writer.bytes
  }

  /// Decodes a whole buffer; leftover bytes are an error (``WireError/trailingBytes(count:type:)``).
  static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
    var reader = WireReader(bytes)
    let value = try reader.decode(T.self)
    guard reader.isAtEnd else {
      throw WireError.trailingBytes(count: reader.remaining, type: typeName(T.self))
    }
    return value
  }

  /// The name used on the wire and in error messages for a type:
  /// `String(describing: type)`, e.g. `"Int"`, `"Array<Double>"`, `"Optional<String>"`.
  static func typeName(_ type: any Any.Type) -> String {
    String(describing: type)
  }

  /// Encodes an existential (opens it).
  static func encode(any value: any Encodable) throws -> [UInt8] {
    try encode(value)
  }
}
