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

  func write(to sink: ArgumentSink) throws {
    switch self {
    case .value(let value):
      try sink.writer.writeArgument(value)
    case .reference(let name):
      sink.writer.write(ArgumentSink.referenceTag)
      sink.writer.write(name)
    }
  }

  static func read(from source: ArgumentSource) throws -> Value {
    let tag = try source.reader.read(UInt8.self)
    switch tag {
    case ArgumentSink.valueTag: return try source.reader.decode(Value.self)
    case ArgumentSink.referenceTag:
      let name = try source.reader.readString()
      return try source.namespace.value(name, as: Value.self)
    default: throw EngineError.malformedMessage("argument tag \(tag) at byte \(source.reader.offset - 1)")
    }
  }
}

/// Where a call's encoded arguments are written (a class so parameter-pack
/// expansions can share it).
final class ArgumentSink {
  var writer: WireWriter
  init(_ writer: WireWriter) { self.writer = writer }

  /// What precedes each argument: a value follows, or a namespace name.
  /// (Constants of a non-generic type: reading them costs no generic metadata.)
  static let valueTag: UInt8 = 0
  static let referenceTag: UInt8 = 1
}

extension WireWriter {
  /// Writes one argument given by value: its tag, then the value (one
  /// access to a sink's writer instead of two). On failure the writer is
  /// left as it was.
  mutating func writeArgument<T: Encodable>(_ value: T) throws {
    let start = count
    write(ArgumentSink.valueTag)
    do {
      try encode(value)
    } catch {
      truncate(to: start)
      throw error
    }
  }
}

/// Where an engine reads a call's arguments from, resolving references in its namespace.
final class ArgumentSource {
  var reader: WireReader
  let namespace: Namespace
  init(_ reader: WireReader, namespace: Namespace) {
    self.reader = reader
    self.namespace = namespace
  }
}
