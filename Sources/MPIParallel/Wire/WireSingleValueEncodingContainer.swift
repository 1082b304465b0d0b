/// Single value container: the value's own bytes, nothing else. `encodeNil()`
/// writes one 0 byte.
struct WireSingleValueEncodingContainer: SingleValueEncodingContainer {
  let encoder: WireEncoder

  var codingPath: [any CodingKey] { encoder.codingPath }

  mutating func encodeNil() throws {
    try begin()
    encoder.state.writer.write(UInt8(0))
  }

  mutating func encode<T: Encodable>(_ value: T) throws {
    try begin()
    try encoder.state.encodeValue(value, owner: encoder.owner, token: encoder.token, key: encoder.key)
  }

  mutating func encode(_ value: Bool) throws { try encode(generic: value) }
  mutating func encode(_ value: String) throws { try encode(generic: value) }
  mutating func encode(_ value: Double) throws { try encode(generic: value) }
  mutating func encode(_ value: Float) throws { try encode(generic: value) }
  mutating func encode(_ value: Int) throws { try encode(generic: value) }
  mutating func encode(_ value: Int8) throws { try encode(generic: value) }
  mutating func encode(_ value: Int16) throws { try encode(generic: value) }
  mutating func encode(_ value: Int32) throws { try encode(generic: value) }
  mutating func encode(_ value: Int64) throws { try encode(generic: value) }
  mutating func encode(_ value: UInt) throws { try encode(generic: value) }
  mutating func encode(_ value: UInt8) throws { try encode(generic: value) }
  mutating func encode(_ value: UInt16) throws { try encode(generic: value) }
  mutating func encode(_ value: UInt32) throws { try encode(generic: value) }
  mutating func encode(_ value: UInt64) throws { try encode(generic: value) }

  private mutating func encode<T: Encodable>(generic value: T) throws {
    try begin()
    if WireEncodingState.writePrimitive(value, to: &encoder.state.writer) { return }
    try encoder.state.encodeValue(value, owner: encoder.owner, token: encoder.token, key: encoder.key)
  }

  /// Checks the slot is still open and that this is the only value written.
  private func begin() throws {
    guard !encoder.closed else {
      throw WireError.unsupported(
        "single value container of an encoder that already gave out another kind of container "
          + "(at \(WireCodingKey.describe(encoder.codingPath)))")
    }
    guard !encoder.wroteSingleValue else {
      throw WireError.unsupported(
        "a second value was encoded into a single value container (at \(WireCodingKey.describe(encoder.codingPath)))"
      )
    }
    try encoder.state.enterSlot(owner: encoder.owner, token: encoder.token)
    encoder.wroteSingleValue = true
  }
}
