/// Errors an engine raises while preparing or running a call; they reach the
/// driver inside a `RemoteError` whose `errorType` is `EngineError`.
public enum EngineError: Error, CustomStringConvertible, Sendable, Equatable {
  /// No remote function of that name is registered on the engine.
  case unknownFunction(name: String, registered: [String])
  /// The call's argument or result types are not the function's.
  case signatureMismatch(function: String, expected: String, received: String)
  /// The engine's namespace has no value of that name.
  case nameNotDefined(String)
  /// The namespace value exists but is not of the type asked for.
  case typeMismatch(name: String, stored: String, requested: String)
  /// A message from the hub could not be decoded.
  case malformedMessage(String)
  /// `EngineContext.current` was used outside a remote function.
  case notOnEngine
  /// A collective was given up: engine `engine`, a member of it, was lost.
  case peerLost(engine: Int)

  public var description: String {
    switch self {
    case .unknownFunction(let name, let registered):
      return "unknown function '\(name)'; registered: \(registered.sorted().joined(separator: ", "))"
    case .signatureMismatch(let function, let expected, let received):
      return "function '\(function)' expects \(expected), received \(received)"
    case .nameNotDefined(let name): return "name '\(name)' is not defined on this engine"
    case .typeMismatch(let name, let stored, let requested):
      return "'\(name)' holds a value of type \(stored), not \(requested)"
    case .malformedMessage(let reason): return "malformed message from the hub: \(reason)"
    case .notOnEngine: return "EngineContext.current is only available inside a remote function on an engine"
    case .peerLost(let engine): return "engine \(engine) was lost during this collective"
    }
  }
}
