/// Errors the runtime raises on the driver's side (rank 0).
public enum ParallelError: Error, CustomStringConvertible, Sendable, Equatable {
  /// `get(timeout:)` or `wait` ran out of time; the tasks keep running.
  case timeout(taskIDs: [Int], seconds: Double)
  /// The task was aborted before it started.
  case aborted(taskID: Int)
  /// A view names an engine id that does not exist.
  case noSuchEngine(id: Int, available: [Int])
  /// A view with no engines, or a load-balanced call with none to run on.
  case noEngines(String)
  /// An argument or value could not be encoded for the wire.
  case encodingFailed(what: String, reason: String)
  /// A result or pulled value could not be decoded as the type asked for.
  case decodingFailed(what: String, expected: String, reason: String)
  /// A bad argument to a view's method (for example chunksize 0).
  case invalidArgument(String)
  /// The client was used after the driver returned and the engines stopped.
  case clientClosed
  /// The runtime could not start (MPI missing or too few ranks, thread level too low, ...).
  case startup(String)
  /// An MPI call on the hub failed.
  case mpi(String)
  /// The task's dependencies can never be met (unknown tasks, failed ones under
  /// success-only, follow-all across engines, ...); it never ran.
  case impossibleDependency(taskID: Int, reason: String)
  /// No engine can take the task: none advertises the capabilities it
  /// requires, or its functional dependency held on none of them.
  case unmetDependency(taskID: Int, reason: String)
  /// The task waited longer than its dependency timeout to be scheduled.
  case dependencyTimeout(taskID: Int, seconds: Double)
  /// The task crashed its engine in earlier runs (journal) and is not run again.
  case quarantined(taskID: Int, reason: String)
  /// The task ran longer than its timeout; its result is ignored (the engine
  /// cannot be stopped mid-task and finishes it).
  case taskTimeout(taskID: Int, seconds: Double)
  /// The engine died or became unreachable (see `EngineState.lost`): the
  /// direct call or collective `task` it had (nil: one not yet sent to it)
  /// cannot finish. Load-balanced tasks it held run elsewhere instead.
  case engineLost(id: Int, rank: Int, host: String, task: Int?)
  /// The engine was retired: it takes no more work.
  case engineRetired(id: Int)

  public var description: String {
    switch self {
    case .timeout(let ids, let seconds):
      let shown = ids.prefix(8).map(String.init).joined(separator: ", ") + (ids.count > 8 ? ", ..." : "")
      return "timed out after \(seconds) s waiting for task(s) \(shown) (they keep running)"
    case .aborted(let id): return "task \(id) was aborted before it started"
    case .noSuchEngine(let id, let available):
      return
        "no engine with id \(id); engine ids are \(available.isEmpty ? "none" : "\(available.first!)...\(available.last!)")"
    case .noEngines(let what): return "no engines to run on: \(what)"
    case .encodingFailed(let what, let reason): return "could not encode \(what): \(reason)"
    case .decodingFailed(let what, let expected, let reason):
      return "could not decode \(what) as \(expected): \(reason)"
    case .invalidArgument(let message): return "invalid argument: \(message)"
    case .clientClosed: return "the client is closed: the driver returned and the engines stopped"
    case .startup(let message): return message
    case .mpi(let message): return "MPI error on the hub: \(message)"
    case .impossibleDependency(let id, let reason): return "task \(id) can never run: \(reason)"
    case .unmetDependency(let id, let reason): return "task \(id) has no engine to run on: \(reason)"
    case .dependencyTimeout(let id, let seconds):
      return "task \(id) waited more than \(seconds) s for its dependencies and was not run"
    case .quarantined(let id, let reason): return "task \(id) is quarantined: \(reason)"
    case .taskTimeout(let id, let seconds):
      return "task \(id) ran more than \(seconds) s; its result will be ignored"
    case .engineLost(let id, let rank, let host, let task):
      return "engine \(id) (rank \(rank), host \(host)) was lost"
        + (task.map { " while it had task \($0)" } ?? "") + "; see client.state(ofEngine: \(id)) for why"
    case .engineRetired(let id): return "engine \(id) was retired; it takes no more work"
    }
  }
}

extension ParallelError {
  /// The refusal to resubmit a result while `pending` (its unfinished task
  /// ids) is not empty: running a task that is still queued or running a
  /// second time would run it twice at once. Nil when nothing is pending.
  static func resubmitPending(_ pending: [Int]) -> ParallelError? {
    guard !pending.isEmpty else { return nil }
    let shown =
      pending.prefix(8).map(String.init).joined(separator: ", ") + (pending.count > 8 ? ", ..." : "")
    return .invalidArgument(
      "cannot resubmit a result with pending task(s) \(shown); wait for them to finish first")
  }
}

extension ParallelError {
  /// The case's name (`dependencyTimeout`, `taskTimeout`, ...): a steering
  /// client's failure names the error as `ParallelError.<name>`.
  var caseName: String {
    switch self {
    case .timeout: return "timeout"
    case .aborted: return "aborted"
    case .noSuchEngine: return "noSuchEngine"
    case .noEngines: return "noEngines"
    case .encodingFailed: return "encodingFailed"
    case .decodingFailed: return "decodingFailed"
    case .invalidArgument: return "invalidArgument"
    case .clientClosed: return "clientClosed"
    case .startup: return "startup"
    case .mpi: return "mpi"
    case .impossibleDependency: return "impossibleDependency"
    case .unmetDependency: return "unmetDependency"
    case .dependencyTimeout: return "dependencyTimeout"
    case .quarantined: return "quarantined"
    case .taskTimeout: return "taskTimeout"
    case .engineLost: return "engineLost"
    case .engineRetired: return "engineRetired"
    }
  }
}
