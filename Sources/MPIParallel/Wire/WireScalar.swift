/// Numbers that cross the wire as raw memory (the fast path): `Int`, `Int8`,
/// `Int16`, `Int32`, `Int64`, `UInt`, `UInt8`, `UInt16`, `UInt32`, `UInt64`,
/// `Float`, `Double`.
///
/// An `Array` (or `ContiguousArray`) whose `Element` conforms is written as a
/// `UInt64` element count followed by the elements' memory (one `memcpy` each
/// way), which is byte-for-byte what the element-by-element little-endian
/// encoding would produce on the little-endian hosts this runs on.
///
/// The set of conforming types is closed: conforming other types is not
/// supported (``scalarKind`` must name the type exactly).
public protocol WireScalar: BitwiseCopyable, Codable, Sendable {
  /// The tag naming this type in ``ScalarKind``.
  static var scalarKind: ScalarKind { get }
}

extension Int: WireScalar { public static var scalarKind: ScalarKind { .int } }
extension Int8: WireScalar { public static var scalarKind: ScalarKind { .int8 } }
extension Int16: WireScalar { public static var scalarKind: ScalarKind { .int16 } }
extension Int32: WireScalar { public static var scalarKind: ScalarKind { .int32 } }
extension Int64: WireScalar { public static var scalarKind: ScalarKind { .int64 } }
extension UInt: WireScalar { public static var scalarKind: ScalarKind { .uint } }
extension UInt8: WireScalar { public static var scalarKind: ScalarKind { .uint8 } }
extension UInt16: WireScalar { public static var scalarKind: ScalarKind { .uint16 } }
extension UInt32: WireScalar { public static var scalarKind: ScalarKind { .uint32 } }
extension UInt64: WireScalar { public static var scalarKind: ScalarKind { .uint64 } }
extension Float: WireScalar { public static var scalarKind: ScalarKind { .float } }
extension Double: WireScalar { public static var scalarKind: ScalarKind { .double } }
