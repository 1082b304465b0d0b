internal import MPIParallelSteering

/// A Swift function that engines run on the driver's behalf. Define it once,
/// at the top level of the program, so that every rank registers the same
/// functions under the same names:
///
/// ```swift
/// let area = RemoteFunction("area") { (w: Int, h: Int) in w * h }
/// ```
///
/// Arguments and result are Codable (arrays of numbers travel as raw memory).
/// Calls are type-checked where they are written: `view.apply(area, 3, 7)`.
/// Inside the body, `try EngineContext.current` gives the engine's id, the
/// engine count and its namespace.
public struct RemoteFunction<each Argument: Codable & Sendable, Result: Codable & Sendable>:
  RemoteFunctionProtocol
{
  /// The name the function is registered and called by.
  public let name: String
  public let registration: FunctionRegistration

  ///
  /// A `collective` function makes MPI calls among the engines (an
  /// allreduce, a halo exchange on `EngineContext.communicator`), so every
  /// engine must run it at once: the hub refuses it on a DirectView of some
  /// engines, in a map, and on a LoadBalancedView, where it would hang.
  @inlinable
  public init(
    _ name: String, collective: Bool = false,
    _ body: @escaping @Sendable (repeat each Argument) throws -> Result
  ) {
    // The call's closure is made here, in the caller's code, where the
    // argument and result types are known: specialized for them, it reads
    // and writes them with no generic parameter pack in between.
    self.init(
      name: name, collective: collective,
      invoke: { source, writer in
        let arguments = (repeat try MPIParallel.Argument<each Argument>.read(from: source))
        let result = try body(repeat each arguments)
        try writer.encode(result)
      })
  }

  /// The registration of `name`, whose calls run `invoke`.
  @usableFromInline
  init(
    name: String, collective: Bool,
    invoke: @escaping @Sendable (ArgumentSource, inout WireWriter) throws -> Void
  ) {
    self.name = name
    var types: [String] = []
    for type in repeat (each Argument).self { types.append(Wire.typeName(type)) }
    let arity = types.count
    let signature = FunctionSignature(
      argumentTypes: "(" + types.joined(separator: ", ") + ")", resultType: Wire.typeName(Result.self))
    registration = FunctionRegistration(
      name: name, signature: signature,
      callSignature: HubRequest.callSignature(
        function: name, argumentTypes: signature.argumentTypes, resultType: signature.resultType),
      argumentTypes: Array(types), collective: collective,
      applyLabel: "apply(\(name))", mapLabel: "map(\(name))",
      invoke: invoke,
      encodeJSON: { values, writer in
        guard values.count == arity else {
          throw SteeringFailure(
            "badArguments",
            "\(name) takes \(arity) argument\(arity == 1 ? "" : "s") \(signature.argumentTypes), not \(values.count)"
          )
        }
        var index = 0
        for type in repeat (each Argument).self {
          try FunctionRegistration.writeJSON(
            values[index], as: type, position: index, function: name, signature: signature, into: &writer)
          index += 1
        }
      },
      jsonResult: { reader in
        let value = try reader.decode(Result.self)
        return try JSONValue(encoding: value)
      })
  }

  /// Writes the call's arguments, all values, after the call header (no
  /// `Argument` wrapper: in unspecialized code each one would cost a
  /// metadata lookup per call). Inlinable: specialized in the caller.
  @inlinable
  func encodeValues(_ values: repeat each Argument, into writer: inout WireWriter) throws {
    for value in repeat each values { try writer.writeArgument(value) }
  }

  /// Writes the call's arguments (values or references) after the call header.
  @usableFromInline
  func encodeArguments(_ arguments: repeat MPIParallel.Argument<each Argument>, into writer: inout WireWriter)
    throws
  {
    for argument in repeat each arguments { try argument.write(to: &writer) }
  }
}

/// The argument and result types of a remote function, as they appear on the
/// wire and in errors: `(Int, Int)` and `Int`.
public struct FunctionSignature: Hashable, Sendable, CustomStringConvertible {
  public let argumentTypes: String
  public let resultType: String
  public var description: String { "\(argumentTypes) -> \(resultType)" }
}

/// A remote function with its types erased, as the engines' registry holds it.
public struct FunctionRegistration: Sendable {
  public let name: String
  public let signature: FunctionSignature
  /// The name and signature as a call's request carries them, encoded once.
  let callSignature: [UInt8]
  /// The argument types one by one: `["Int", "Int"]`.
  let argumentTypes: [String]
  /// Whether every engine must run it at once (it makes MPI calls among engines).
  public let collective: Bool
  /// `apply(name)` and `map(name)`, for results and errors (made once, not per call).
  @usableFromInline let applyLabel: String
  @usableFromInline let mapLabel: String
  /// Reads one call's arguments from the source, runs the body, writes the result.
  let invoke: @Sendable (ArgumentSource, inout WireWriter) throws -> Void
  /// Writes a call's arguments given as JSON (a steering client's), each
  /// checked against its type here, on the hub, before any engine sees it.
  let encodeJSON: @Sendable ([JSONValue], inout WireWriter) throws -> Void
  /// Reads one result from a reply and gives its JSON form.
  let jsonResult: @Sendable (inout WireReader) throws -> JSONValue

  /// Why a call of this function on `targets` (nil: load-balanced) would
  /// hang, for a collective function called on fewer than all `engineCount` engines.
  func collectiveRefusal(targets: [Int]?, engineCount: Int, how: @autoclosure () -> String) -> String? {
    guard collective else { return nil }
    if let targets, targets.count == engineCount { return nil }
    return
      "\(name) is collective (its engines make MPI calls among themselves), so it runs on all \(engineCount) engines at once through a DirectView of every engine, not \(how())"
  }

  /// Writes one JSON argument as a `T` (or, for `{"$ref": "name"}`, as a reference).
  static func writeJSON<T: Codable & Sendable>(
    _ value: JSONValue, as type: T.Type, position: Int, function: String, signature: FunctionSignature,
    into writer: inout WireWriter
  ) throws {
    if case .object(let fields) = value, fields.count == 1, case .string(let name)? = fields["$ref"] {
      try Argument<T>.reference(name).write(to: &writer)
      return
    }
    let typed: T
    do {
      typed = try value.decode(as: T.self)
    } catch {
      throw SteeringFailure(
        "badArguments",
        "argument \(position + 1) of \(function) must be \(Wire.typeName(T.self)) (\(function) takes \(signature.argumentTypes)), not \(value)"
      )
    }
    try Argument<T>.value(typed).write(to: &writer)
  }
}

/// Anything that can be registered as a remote function (every `RemoteFunction`).
public protocol RemoteFunctionProtocol: Sendable {
  var name: String { get }
  var registration: FunctionRegistration { get }
}
