/// Names one of the ``WireScalar`` types, so that code which only knows a
/// kind at run time (e.g. from a message header) can build values of it.
public enum ScalarKind: UInt8, Sendable, CaseIterable {
  case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float, double

  /// `MemoryLayout.stride` of the element type (8 for `Int`/`UInt`).
  public var stride: Int {
    switch self {
    case .int: return MemoryLayout<Int>.stride
    case .int8: return MemoryLayout<Int8>.stride
    case .int16: return MemoryLayout<Int16>.stride
    case .int32: return MemoryLayout<Int32>.stride
    case .int64: return MemoryLayout<Int64>.stride
    case .uint: return MemoryLayout<UInt>.stride
    case .uint8: return MemoryLayout<UInt8>.stride
    case .uint16: return MemoryLayout<UInt16>.stride
    case .uint32: return MemoryLayout<UInt32>.stride
    case .uint64: return MemoryLayout<UInt64>.stride
    case .float: return MemoryLayout<Float>.stride
    case .double: return MemoryLayout<Double>.stride
    }
  }

  /// The element type's wire name, e.g. `"Double"`; equals `Wire.typeName(Double.self)`.
  public var typeName: String {
    switch self {
    case .int: return "Int"
    case .int8: return "Int8"
    case .int16: return "Int16"
    case .int32: return "Int32"
    case .int64: return "Int64"
    case .uint: return "UInt"
    case .uint8: return "UInt8"
    case .uint16: return "UInt16"
    case .uint32: return "UInt32"
    case .uint64: return "UInt64"
    case .float: return "Float"
    case .double: return "Double"
    }
  }

  /// The array type's wire name, e.g. `"Array<Double>"`; equals `Wire.typeName([Double].self)`.
  public var arrayTypeName: String { "Array<\(typeName)>" }

  /// The kind of `type` if it is exactly one of the twelve scalar types
  /// (`Double.self` gives `.double`), else `nil`.
  public static func of<T>(_ type: T.Type) -> ScalarKind? {
    if T.self == Double.self { return .double }
    if T.self == Int.self { return .int }
    if T.self == Float.self { return .float }
    if T.self == Int64.self { return .int64 }
    if T.self == Int32.self { return .int32 }
    if T.self == UInt8.self { return .uint8 }
    if T.self == UInt64.self { return .uint64 }
    if T.self == UInt32.self { return .uint32 }
    if T.self == UInt.self { return .uint }
    if T.self == Int16.self { return .int16 }
    if T.self == UInt16.self { return .uint16 }
    if T.self == Int8.self { return .int8 }
    return nil
  }

  /// The element kind of `type` if it is an `Array` of one of the twelve
  /// scalar types (`[Double].self` gives `.double`), else `nil`.
  public static func ofArray<T>(_ type: T.Type) -> ScalarKind? {
    if T.self == [Double].self { return .double }
    if T.self == [Int].self { return .int }
    if T.self == [Float].self { return .float }
    if T.self == [Int64].self { return .int64 }
    if T.self == [Int32].self { return .int32 }
    if T.self == [UInt8].self { return .uint8 }
    if T.self == [UInt64].self { return .uint64 }
    if T.self == [UInt32].self { return .uint32 }
    if T.self == [UInt].self { return .uint }
    if T.self == [Int16].self { return .int16 }
    if T.self == [UInt16].self { return .uint16 }
    if T.self == [Int8].self { return .int8 }
    return nil
  }

  /// Allocates an array of `count` elements of this kind, lets `fill` write
  /// exactly `count * stride` raw bytes into it (the buffer passed has that
  /// size), and returns it boxed (e.g. a `[Double]`). If `fill` throws,
  /// nothing is returned and the storage is released.
  public func makeArray(
    count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void
  ) rethrows -> any Codable & Sendable {
    precondition(count >= 0, "ScalarKind.makeArray: negative count \(count)")
    switch self {
    case .int: return try Self.make(Int.self, count, fill)
    case .int8: return try Self.make(Int8.self, count, fill)
    case .int16: return try Self.make(Int16.self, count, fill)
    case .int32: return try Self.make(Int32.self, count, fill)
    case .int64: return try Self.make(Int64.self, count, fill)
    case .uint: return try Self.make(UInt.self, count, fill)
    case .uint8: return try Self.make(UInt8.self, count, fill)
    case .uint16: return try Self.make(UInt16.self, count, fill)
    case .uint32: return try Self.make(UInt32.self, count, fill)
    case .uint64: return try Self.make(UInt64.self, count, fill)
    case .float: return try Self.make(Float.self, count, fill)
    case .double: return try Self.make(Double.self, count, fill)
    }
  }

  /// One element of this kind read from `raw` (which must hold exactly
  /// `stride` bytes, any alignment), boxed (e.g. a `Double`).
  public func makeScalar(from raw: UnsafeRawBufferPointer) -> any Codable & Sendable {
    precondition(
      raw.count == stride, "ScalarKind.makeScalar: \(raw.count) bytes given, \(typeName) needs \(stride)")
    switch self {
    case .int: return raw.loadUnaligned(as: Int.self)
    case .int8: return raw.loadUnaligned(as: Int8.self)
    case .int16: return raw.loadUnaligned(as: Int16.self)
    case .int32: return raw.loadUnaligned(as: Int32.self)
    case .int64: return raw.loadUnaligned(as: Int64.self)
    case .uint: return raw.loadUnaligned(as: UInt.self)
    case .uint8: return raw.loadUnaligned(as: UInt8.self)
    case .uint16: return raw.loadUnaligned(as: UInt16.self)
    case .uint32: return raw.loadUnaligned(as: UInt32.self)
    case .uint64: return raw.loadUnaligned(as: UInt64.self)
    case .float: return raw.loadUnaligned(as: Float.self)
    case .double: return raw.loadUnaligned(as: Double.self)
    }
  }

  private static func make<T: WireScalar>(
    _: T.Type, _ count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void
  ) rethrows -> [T] {
    try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      let raw = UnsafeMutableRawBufferPointer(buffer)
      try fill(UnsafeMutableRawBufferPointer(rebasing: raw[0..<(count * MemoryLayout<T>.stride)]))
      initialized = count
    }
  }
}
