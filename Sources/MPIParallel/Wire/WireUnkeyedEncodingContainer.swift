/// Unkeyed container (arrays other than the numeric fast path, sets,
/// dictionaries with non-String/Int keys): `UInt64` element count (patched
/// once the elements are written) followed by the elements back to back.
struct WireUnkeyedEncodingContainer: UnkeyedEncodingContainer {
  let encoder: WireEncoder

  var codingPath: [any CodingKey] { encoder.codingPath }
  var count: Int { encoder.count }

  /// Writes one 0 byte (decoded by `decodeNil()`).
  mutating func encodeNil() throws {
    _ = try encoder.state.beginElement(encoder)
    encoder.state.writer.write(UInt8(0))
  }

  mutating func encode<T: Encodable>(_ value: T) throws {
    try encoder.state.encodeElement(value, in: encoder)
  }

  mutating func encode(_ value: Bool) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: String) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Double) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Float) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Int) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Int8) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Int16) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Int32) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: Int64) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: UInt) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: UInt8) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: UInt16) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: UInt32) throws { try encoder.state.encodeElement(value, in: encoder) }
  mutating func encode(_ value: UInt64) throws { try encoder.state.encodeElement(value, in: encoder) }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
    -> KeyedEncodingContainer<NestedKey>
  {
    nestedEncoder().container(keyedBy: NestedKey.self)
  }

  mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
    nestedEncoder().unkeyedContainer()
  }

  mutating func superEncoder() -> any Encoder { nestedEncoder() }

  /// Opens an element that is written later through the returned encoder.
  private func nestedEncoder() -> WireEncoder {
    let state = encoder.state
    do {
      let token = try state.beginElement(encoder)
      return WireEncoder(
        state: state, owner: encoder, token: token, key: WireCodingKey(index: encoder.count - 1))
    } catch {
      state.fail(error)
      return WireEncoder(state: state, owner: encoder, token: -2, key: WireCodingKey(index: encoder.count))
    }
  }
}
