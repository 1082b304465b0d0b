/// The generic decoding entry point shared by `WireReader.decode` and all
/// decoding containers.
enum WireDecoding {
  /// Deepest nesting of composite values accepted, so that corrupt input for
  /// a recursive type cannot exhaust the stack.
  static let maxDepth = 2048

  /// Decodes a `T` at `reader`'s position and advances past it.
  ///
  /// Numbers, `Bool` and `String` are read directly; `Optional` and numeric
  /// arrays by ``WireDecodableSpecial``; everything else through a new
  /// `WireDecoder`. A ``WireError`` from inside is wrapped (once, innermost)
  /// with the type name and coding path.
  static func decodeValue<T: Decodable>(
    _ type: T.Type, from reader: inout WireReader, parent: WireDecoder?, key: (any CodingKey)?
  ) throws -> T {
    do {
      if isPrimitive(T.self) { return try readPrimitiveValue(T.self, from: &reader) }
      if let special = T.self as? any WireDecodableSpecial.Type {
        return try special.wireDecode(as: T.self, from: &reader, parent: parent, key: key)
      }
      let decoder = try WireDecoder(reader: reader, parent: parent, key: key)
      let value = try T(from: decoder)
      reader.seek(to: decoder.endOffset())
      return value
    } catch let error as WireError {
      throw error.inContext(type: Wire.typeName(T.self), codingPath: path(parent, key))
    }
  }

  private static func path(_ parent: WireDecoder?, _ key: (any CodingKey)?) -> String {
    var path = parent?.codingPath ?? []
    if let key { path.append(key) }
    return WireCodingKey.describe(path)
  }

  /// Reads a `T` if it is a number, `Bool` or `String`; nil (nothing read)
  /// for any other type.
  @inline(__always)
  static func readPrimitive<T>(_ type: T.Type, from reader: inout WireReader) throws -> T? {
    isPrimitive(T.self) ? try readPrimitiveValue(T.self, from: &reader) : nil
  }

  /// Whether `readPrimitiveValue` reads `T`: a number, `Bool` or `String`.
  @inline(__always)
  static func isPrimitive<T>(_ type: T.Type) -> Bool {
    T.self == Int.self
      || T.self == Double.self
      || T.self == String.self
      || T.self == Bool.self
      || T.self == Float.self
      || T.self == Int64.self
      || T.self == Int32.self
      || T.self == UInt8.self
      || T.self == UInt64.self
      || T.self == UInt32.self
      || T.self == UInt.self
      || T.self == Int16.self
      || T.self == UInt16.self
      || T.self == Int8.self
  }

  /// Reads a `T` that `isPrimitive` accepts. Returning `T` itself, not an
  /// optional, spares unspecialized callers a metadata lookup of `T?`.
  @inline(__always)
  static func readPrimitiveValue<T>(_ type: T.Type, from reader: inout WireReader) throws -> T {
    if T.self == Int.self { return wireIdentityCast(try reader.read(Int.self), to: T.self) }
    if T.self == Double.self { return wireIdentityCast(try reader.readDouble(), to: T.self) }
    if T.self == String.self { return wireIdentityCast(try reader.readString(), to: T.self) }
    if T.self == Bool.self { return wireIdentityCast(try reader.readBool(), to: T.self) }
    if T.self == Float.self { return wireIdentityCast(try reader.readFloat(), to: T.self) }
    if T.self == Int64.self { return wireIdentityCast(try reader.read(Int64.self), to: T.self) }
    if T.self == Int32.self { return wireIdentityCast(try reader.read(Int32.self), to: T.self) }
    if T.self == UInt8.self { return wireIdentityCast(try reader.read(UInt8.self), to: T.self) }
    if T.self == UInt64.self { return wireIdentityCast(try reader.read(UInt64.self), to: T.self) }
    if T.self == UInt32.self { return wireIdentityCast(try reader.read(UInt32.self), to: T.self) }
    if T.self == UInt.self { return wireIdentityCast(try reader.read(UInt.self), to: T.self) }
    if T.self == Int16.self { return wireIdentityCast(try reader.read(Int16.self), to: T.self) }
    if T.self == UInt16.self { return wireIdentityCast(try reader.read(UInt16.self), to: T.self) }
    if T.self == Int8.self { return wireIdentityCast(try reader.read(Int8.self), to: T.self) }
    preconditionFailure("readPrimitiveValue of \(T.self), which is not a primitive")
  }

  /// Fills `buffer` (room for at least `count` elements) with `count` raw
  /// little-endian elements from `reader` (one `memcpy` on little-endian hosts).
  static func readScalarElements<Element: WireScalar>(
    into buffer: UnsafeMutableRawBufferPointer, count: Int, of: Element.Type, from reader: inout WireReader
  ) throws {
    let byteCount = count * MemoryLayout<Element>.stride
    #if _endian(little)
      try reader.copyRaw(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<byteCount]))
    #else
      let typed = buffer.bindMemory(to: Element.self)
      for i in 0..<count {
        guard let element = try readPrimitive(Element.self, from: &reader) else {
          throw WireError.unsupported("scalar type \(Element.self)")
        }
        typed[i] = element
      }
    #endif
  }
}
