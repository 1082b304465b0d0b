/// Keyed container (structs, enums with associated values, `[String: V]`,
/// `[Int: V]`): `UInt32` entry count, then per entry the key as a `String`,
/// a `UInt64` value length and the value's bytes.
struct WireKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
  let encoder: WireEncoder

  var codingPath: [any CodingKey] { encoder.codingPath }

  /// Writes an entry with an empty (length 0) value.
  mutating func encodeNil(forKey key: Key) throws {
    _ = try encoder.state.beginEntry(encoder, key: key.stringValue)
    try encoder.state.activate(encoder)
  }

  mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }

  mutating func encode(_ value: Bool, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: String, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Double, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Float, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Int, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Int8, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Int16, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Int32, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: Int64, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: UInt, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: UInt8, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: UInt16, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: UInt32, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }
  mutating func encode(_ value: UInt64, forKey key: Key) throws {
    try encoder.state.encodeEntry(value, key: key, in: encoder)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(
    keyedBy keyType: NestedKey.Type, forKey key: Key
  ) -> KeyedEncodingContainer<NestedKey> {
    nestedEncoder(forKey: key).container(keyedBy: NestedKey.self)
  }

  mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
    nestedEncoder(forKey: key).unkeyedContainer()
  }

  mutating func superEncoder() -> any Encoder { nestedEncoder(forKey: WireCodingKey.superKey) }

  mutating func superEncoder(forKey key: Key) -> any Encoder { nestedEncoder(forKey: key) }

  /// Opens an entry whose value is written later through the returned encoder.
  private func nestedEncoder(forKey key: any CodingKey) -> WireEncoder {
    let state = encoder.state
    do {
      let token = try state.beginEntry(encoder, key: key.stringValue)
      return WireEncoder(state: state, owner: encoder, token: token, key: key)
    } catch {
      state.fail(error)
      return WireEncoder(state: state, owner: encoder, token: -2, key: key)  // never valid
    }
  }
}
