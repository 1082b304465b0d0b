/// An error raised on an engine: by the remote function itself, or by the
/// engine while preparing the call (unknown function, arguments that do not
/// decode, a name missing from its namespace). It says where it happened.
public struct RemoteError: Error, CustomStringConvertible, Sendable, Equatable {
  /// Id of the engine that raised it (rank - 1).
  public let engineID: Int
  /// MPI rank of that engine.
  public let rank: Int
  /// Host the engine runs on.
  public let host: String
  /// The remote function (or namespace operation, such as `pull`) that failed.
  public let function: String
  /// The hub's id of the task.
  public let taskID: Int
  /// The Swift type of the error, e.g. `EngineError` or the user's own type.
  public let errorType: String
  /// The error's description.
  public let message: String

  public var description: String {
    "\(errorType) in '\(function)' (task \(taskID)) on engine \(engineID) (rank \(rank), host \(host)): \(message)"
  }
}

/// A call on several engines that failed on some of them: one entry per
/// failing engine, in engine order. The successful engines' results stay
/// reachable through the `AsyncResult` (`outcomes`).
public struct CompositeError: Error, CustomStringConvertible, Sendable {
  /// Each failing engine's error.
  public let failures: [RemoteError]
  /// How many engines the call ran on.
  public let engineCount: Int

  public var description: String {
    var lines = ["\(failures.count) of \(engineCount) engines failed:"]
    for failure in failures { lines.append("  [engine \(failure.engineID)] \(failure)") }
    return lines.joined(separator: "\n")
  }
}
