/// The name of a value in each engine's namespace, passed in place of an
/// argument: the engine substitutes its own value, as IPython's
/// `Reference('id')`.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
  /// The namespace name.
  public let name: String
  public init(_ name: String) { self.name = name }
  public var description: String { "Reference(\"\(name)\")" }
}

/// One argument of a remote call: a value sent from the driver, or a
/// reference resolved from each engine's namespace (which must hold a value
/// of the same type).
public enum Argument<Value: Codable & Sendable>: Sendable {
  case value(Value)
  case reference(String)

  /// The argument `reference` names.
  public static func ref(_ reference: Reference) -> Argument { .reference(reference.name) }

  func write(to writer: inout WireWriter) throws {
    switch self {
    case .value(let value):
      try writer.writeArgument(value)
    case .reference(let name):
      writer.write(ArgumentTag.reference)
      writer.write(name)
    }
  }

  @usableFromInline
  static func read(from source: ArgumentSource) throws -> Value {
    let tag = try source.reader.read(UInt8.self)
    switch tag {
    case ArgumentTag.value: return try source.reader.decode(Value.self)
    case ArgumentTag.reference:
      let name = try source.reader.readString()
      return try source.namespace.value(name, as: Value.self)
    default: throw EngineError.malformedMessage("argument tag \(tag) at byte \(source.reader.offset - 1)")
    }
  }
}

/// What precedes each argument of a call: a value follows, or a namespace
/// name. (Constants of a non-generic type: reading them costs no generic metadata.)
enum ArgumentTag {
  static let value: UInt8 = 0
  static let reference: UInt8 = 1
}

extension WireWriter {
  /// Writes one argument given by value: its tag, then the value. On
  /// failure the writer is left as it was.
  ///
  /// (Inlinable: a caller specialized for `Int` or `Double` writes the
  /// number directly, with no generic encoding entry in between.)
  @inlinable
  mutating func writeArgument<T: Encodable>(_ value: T) throws {
    if T.self == Int.self { return writeValueArgument(unsafeBitCast(value, to: Int.self)) }
    if T.self == Double.self { return writeValueArgument(unsafeBitCast(value, to: Double.self)) }
    try writeEncodedArgument(value)
  }

  /// Writes an `Int` argument: its tag, then the number.
  @usableFromInline
  mutating func writeValueArgument(_ value: Int) { writeValueArgument(bits: UInt64(UInt(bitPattern: value))) }

  /// Writes a `Double` argument: its tag, then the number.
  @usableFromInline
  mutating func writeValueArgument(_ value: Double) { writeValueArgument(bits: value.bitPattern) }

  /// Writes the tag and eight bytes of a number in one append (laid out on
  /// the stack: one append where two cost nearly twice as much).
  private mutating func writeValueArgument(bits: UInt64) {
    withUnsafeTemporaryAllocation(byteCount: 9, alignment: 8) { raw in
      raw.storeBytes(of: ArgumentTag.value, as: UInt8.self)
      raw.storeBytes(of: bits.littleEndian, toByteOffset: 1, as: UInt64.self)
      appendRaw(UnsafeRawBufferPointer(raw))
    }
  }

  /// `writeArgument` of any type, through the generic encoding entry.
  @usableFromInline
  mutating func writeEncodedArgument<T: Encodable>(_ value: T) throws {
    let start = count
    write(ArgumentTag.value)
    do {
      try encode(value)
    } catch {
      truncate(to: start)
      throw error
    }
  }
}

/// Where an engine reads a call's arguments from, resolving references in its namespace.
/// One thread uses a source at a time (its reader skips dynamic exclusivity checks).
@usableFromInline
final class ArgumentSource {
  // Safe: the engine's thread alone reads a call's arguments (see above).
  @exclusivity(unchecked) var reader: WireReader
  let namespace: Namespace
  init(_ reader: WireReader, namespace: Namespace) {
    self.reader = reader
    self.namespace = namespace
  }
}
