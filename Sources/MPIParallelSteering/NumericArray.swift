#if _endian(big)
  #error("steering messages carry arrays as little-endian bytes, copied as they are in memory")
#endif

/// A numeric array as raw little-endian bytes: how `[Double]`, `[Float]`,
/// `[Int]`, `[Int32]`... (and numpy arrays of those dtypes) travel in a
/// steering message, beside its JSON rather than inside it (see
/// ``SteeringCoding``). The bytes may share storage with the message they
/// came in (an `ArraySlice`), so receiving one copies nothing; an array
/// ``joined(_:)`` from others keeps their bytes as its segments, so joining
/// copies nothing either, and sending it writes each segment in turn.
public struct NumericArray: Sendable, Hashable, CustomStringConvertible {
  /// The element type, by numpy's short names.
  public enum Kind: String, Sendable, Hashable, CaseIterable {
    case float64 = "f8", float32 = "f4"
    case int64 = "i8", int32 = "i4", int16 = "i2", int8 = "i1"
    case uint64 = "u8", uint32 = "u4", uint16 = "u2", uint8 = "u1"

    /// Bytes per element.
    public var size: Int {
      switch self {
      case .float64, .int64, .uint64: return 8
      case .float32, .int32, .uint32: return 4
      case .int16, .uint16: return 2
      case .int8, .uint8: return 1
      }
    }
  }

  public let kind: Kind
  public let count: Int
  /// The bytes, in order: one segment, or those of the arrays it was
  /// ``joined(_:)`` from.
  public let segments: [ArraySlice<UInt8>]

  /// `count * kind.size` bytes, little-endian (the segments joined: a copy
  /// when there are several).
  public var bytes: ArraySlice<UInt8> {
    if segments.count == 1 { return segments[0] }
    var joined: [UInt8] = []
    joined.reserveCapacity(count * kind.size)
    for segment in segments { joined.append(contentsOf: segment) }
    return joined[...]
  }

  /// An array of `count` elements of `kind` in `bytes` (nil when the sizes disagree).
  public init?(kind: Kind, count: Int, bytes: ArraySlice<UInt8>) {
    guard count >= 0, count.multipliedReportingOverflow(by: kind.size) == (bytes.count, false) else {
      return nil
    }
    self.kind = kind
    self.count = count
    self.segments = [bytes]
  }

  private init(kind: Kind, count: Int, segments: [ArraySlice<UInt8>]) {
    self.kind = kind
    self.count = count
    self.segments = segments.isEmpty ? [[]] : segments
  }

  /// The raw form of a Swift array of a numeric type (`[UInt8]` shares the
  /// array's storage; any other type is copied once).
  public init<Element: NumericArrayElement>(_ values: [Element]) {
    kind = Element.numericKind
    count = values.count
    if Element.self == UInt8.self {
      // The same type: the bit cast only renames it.
      segments = [unsafeBitCast(values, to: [UInt8].self)[...]]
    } else {
      segments = [values.withUnsafeBytes { ArraySlice($0) }]
    }
  }

  /// The raw form of `value` when it is an array of a numeric type.
  public init?(any value: Any) {
    switch value {
    case let values as [Double]: self.init(values)
    case let values as [Float]: self.init(values)
    case let values as [Int]: self.init(values)
    case let values as [Int64]: self.init(values)
    case let values as [Int32]: self.init(values)
    case let values as [Int16]: self.init(values)
    case let values as [Int8]: self.init(values)
    case let values as [UInt]: self.init(values)
    case let values as [UInt64]: self.init(values)
    case let values as [UInt32]: self.init(values)
    case let values as [UInt16]: self.init(values)
    case let values as [UInt8]: self.init(values)
    default: return nil
    }
  }

  /// The elements as an array of `Element` when they are of its kind (one copy).
  public func values<Element: NumericArrayElement>(as type: Element.Type = Element.self) -> [Element]? {
    guard Element.numericKind == kind else { return nil }
    return [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
      var offset = 0
      for segment in segments {
        segment.withUnsafeBytes { raw in
          if let base = raw.baseAddress, raw.count > 0 {
            (UnsafeMutableRawPointer(buffer.baseAddress!) + offset).copyMemory(from: base, byteCount: raw.count)
          }
        }
        offset += segment.count
      }
      initialized = count
    }
  }

  /// The array as a `T` when `T` is an array of a numeric type (elements
  /// converted when their kinds differ: an int64 array to `[Double]`).
  func decode<T>(as type: T.Type) -> T? {
    func typed<E: NumericArrayElement>(_: E.Type) -> T? {
      if let same = values(as: E.self) { return same as? T }
      return nil
    }
    switch type {
    case is [Double].Type: return typed(Double.self) ?? (elements.compactMap(\.asDouble) as? T)
    case is [Float].Type:
      return typed(Float.self) ?? (elements.compactMap { $0.asDouble.map(Float.init) } as? T)
    case is [Int].Type: return typed(Int.self)
    case is [Int64].Type: return typed(Int64.self)
    case is [Int32].Type: return typed(Int32.self)
    case is [Int16].Type: return typed(Int16.self)
    case is [Int8].Type: return typed(Int8.self)
    case is [UInt].Type: return typed(UInt.self)
    case is [UInt64].Type: return typed(UInt64.self)
    case is [UInt32].Type: return typed(UInt32.self)
    case is [UInt16].Type: return typed(UInt16.self)
    case is [UInt8].Type: return typed(UInt8.self)
    default: return nil
    }
  }

  /// The elements as JSON numbers: `.double` for float kinds, `.int` for integer kinds.
  public var elements: [JSONValue] {
    (0..<count).map { element(at: $0) }
  }

  private func element(at index: Int) -> JSONValue {
    var position = index * kind.size
    var segment = 0
    while position >= segments[segment].count {
      position -= segments[segment].count
      segment += 1
    }
    let bytes = segments[segment]
    let offset = bytes.startIndex + position
    var bits: UInt64 = 0
    for byte in (0..<kind.size).reversed() { bits = bits << 8 | UInt64(bytes[offset + byte]) }
    switch kind {
    case .float64: return .double(Double(bitPattern: bits))
    case .float32: return .double(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
    case .int64: return .int(Int(Int64(bitPattern: bits)))
    case .int32: return .int(Int(Int32(truncatingIfNeeded: bits)))
    case .int16: return .int(Int(Int16(truncatingIfNeeded: bits)))
    case .int8: return .int(Int(Int8(truncatingIfNeeded: bits)))
    case .uint64: return bits > UInt64(Int.max) ? .double(Double(bits)) : .int(Int(bits))
    case .uint32, .uint16, .uint8: return .int(Int(bits))
    }
  }

  /// The concatenation of arrays of one kind (nil when their kinds differ);
  /// it keeps their bytes as its segments, copying none.
  public static func joined(_ arrays: [NumericArray]) -> NumericArray? {
    guard let kind = arrays.first?.kind, arrays.allSatisfy({ $0.kind == kind }) else { return nil }
    if arrays.count == 1 { return arrays[0] }
    return NumericArray(
      kind: kind, count: arrays.reduce(0) { $0 + $1.count },
      segments: arrays.flatMap { $0.segments.filter { !$0.isEmpty } })
  }

  /// `f8[10000000]`
  public var description: String { "\(kind.rawValue)[\(count)]" }

  public static func == (lhs: NumericArray, rhs: NumericArray) -> Bool {
    lhs.kind == rhs.kind && lhs.count == rhs.count
      && lhs.segments.joined().elementsEqual(rhs.segments.joined())
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(kind)
    hasher.combine(count)
    for segment in segments { segment.withUnsafeBytes { hasher.combine(bytes: $0) } }
  }
}

extension JSONValue {
  /// A number as a Double (nil for anything else).
  var asDouble: Double? {
    switch self {
    case .double(let value): return value
    case .int(let value): return Double(value)
    default: return nil
    }
  }
}

/// The Swift number types a ``NumericArray`` holds.
public protocol NumericArrayElement: Sendable {
  static var numericKind: NumericArray.Kind { get }
}

extension Double: NumericArrayElement { public static var numericKind: NumericArray.Kind { .float64 } }
extension Float: NumericArrayElement { public static var numericKind: NumericArray.Kind { .float32 } }
extension Int: NumericArrayElement { public static var numericKind: NumericArray.Kind { .int64 } }
extension Int64: NumericArrayElement { public static var numericKind: NumericArray.Kind { .int64 } }
extension Int32: NumericArrayElement { public static var numericKind: NumericArray.Kind { .int32 } }
extension Int16: NumericArrayElement { public static var numericKind: NumericArray.Kind { .int16 } }
extension Int8: NumericArrayElement { public static var numericKind: NumericArray.Kind { .int8 } }
extension UInt: NumericArrayElement { public static var numericKind: NumericArray.Kind { .uint64 } }
extension UInt64: NumericArrayElement { public static var numericKind: NumericArray.Kind { .uint64 } }
extension UInt32: NumericArrayElement { public static var numericKind: NumericArray.Kind { .uint32 } }
extension UInt16: NumericArrayElement { public static var numericKind: NumericArray.Kind { .uint16 } }
extension UInt8: NumericArrayElement { public static var numericKind: NumericArray.Kind { .uint8 } }
