/// Types the wire encoder writes itself instead of calling their
/// `encode(to:)`: `Optional` (Codable's own `Optional` conformance writes the
/// wrapped value with no marker, so the flag byte has to be added here) and
/// arrays of ``WireScalar`` numbers (raw-memory fast path).
///
/// Found with one protocol-conformance check per non-primitive value.
protocol WireEncodableSpecial {
  /// Writes `value` (whose type is `Self`) into `state`'s buffer, inside the
  /// slot `token` of `owner` (see `WireEncodingState`).
  static func wireEncode<V>(
    _ value: V, state: WireEncodingState, owner: WireEncoder?, token: Int, key: (any CodingKey)?) throws
}

/// The decoding half of ``WireEncodableSpecial``.
protocol WireDecodableSpecial {
  /// Reads a `Self` from `reader` and returns it as `R` (which is `Self`).
  static func wireDecode<R>(
    as: R.Type, from reader: inout WireReader, parent: WireDecoder?, key: (any CodingKey)?
  ) throws -> R
}

/// `value` as `U`, where the caller knows `T == U`.
@inline(__always)
func wireIdentityCast<T, U>(_ value: T, to: U.Type) -> U {
  assert(T.self == U.self, "wireIdentityCast between different types")
  return unsafeBitCast(value, to: U.self)
}

extension Optional: WireEncodableSpecial where Wrapped: Encodable {
  static func wireEncode<V>(
    _ value: V, state: WireEncodingState, owner: WireEncoder?, token: Int, key: (any CodingKey)?
  ) throws {
    switch wireIdentityCast(value, to: Wrapped?.self) {
    case .none:
      state.writer.write(UInt8(0))
    case .some(let wrapped):
      state.writer.write(UInt8(1))
      try state.encodeValue(wrapped, owner: owner, token: token, key: key)
    }
  }
}

extension Optional: WireDecodableSpecial where Wrapped: Decodable {
  static func wireDecode<R>(
    as: R.Type, from reader: inout WireReader, parent: WireDecoder?, key: (any CodingKey)?
  ) throws -> R {
    let at = reader.offset
    switch try reader.read(UInt8.self) {
    case 0:
      return wireIdentityCast(Wrapped?.none, to: R.self)
    case 1:
      let wrapped = try WireDecoding.decodeValue(Wrapped.self, from: &reader, parent: parent, key: key)
      return wireIdentityCast(Wrapped?.some(wrapped), to: R.self)
    case let flag:
      throw WireError.invalidValue("Optional flag byte must be 0 or 1, found \(flag)", offset: at)
    }
  }
}

extension Array: WireEncodableSpecial where Element: WireScalar {
  static func wireEncode<V>(
    _ value: V, state: WireEncodingState, owner: WireEncoder?, token: Int, key: (any CodingKey)?
  ) throws {
    state.writer.writeScalarArray(wireIdentityCast(value, to: [Element].self))
  }
}

extension Array: WireDecodableSpecial where Element: WireScalar {
  static func wireDecode<R>(
    as: R.Type, from reader: inout WireReader, parent: WireDecoder?, key: (any CodingKey)?
  ) throws -> R {
    let stride = MemoryLayout<Element>.stride
    let count = try reader.readLength(elementSize: stride)
    let array = try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
      try WireDecoding.readScalarElements(
        into: UnsafeMutableRawBufferPointer(buffer), count: count, of: Element.self, from: &reader)
      initialized = count
    }
    return wireIdentityCast(array, to: R.self)
  }
}

extension ContiguousArray: WireEncodableSpecial where Element: WireScalar {
  static func wireEncode<V>(
    _ value: V, state: WireEncodingState, owner: WireEncoder?, token: Int, key: (any CodingKey)?
  ) throws {
    state.writer.writeScalarArray(wireIdentityCast(value, to: ContiguousArray<Element>.self))
  }
}

extension ContiguousArray: WireDecodableSpecial where Element: WireScalar {
  static func wireDecode<R>(
    as: R.Type, from reader: inout WireReader, parent: WireDecoder?, key: (any CodingKey)?
  ) throws -> R {
    let stride = MemoryLayout<Element>.stride
    let count = try reader.readLength(elementSize: stride)
    let array = try ContiguousArray<Element>(unsafeUninitializedCapacity: count) { buffer, initialized in
      try WireDecoding.readScalarElements(
        into: UnsafeMutableRawBufferPointer(buffer), count: count, of: Element.self, from: &reader)
      initialized = count
    }
    return wireIdentityCast(array, to: R.self)
  }
}
