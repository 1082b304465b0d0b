/// What a steering client asks the hub to do: one request, one reply.
///
/// Submissions (`apply`, `map`, `push`, `pull`, `scatter`, `gather`) return
/// a job at once; `wait` fetches a job's progress and, when asked, its items.
public enum SteeringCommand: Codable, Sendable, Equatable {
  /// The job: its engines and functions.
  case hello
  /// The engines with their tasks done and state.
  case engines
  /// The registered remote functions with their signatures.
  case functions
  /// Runs `function` once on each target engine (all when nil), as a DirectView's apply.
  case apply(function: String, arguments: [JSONValue], targets: [Int]?)
  /// A load-balanced map: each item is an array of one call's arguments
  /// (a load-balanced apply is a map of one item). `flags` are its tasks'
  /// scheduling flags; absent, the hub's defaults.
  case map(
    function: String, items: [JSONValue], chunkSize: Int, ordered: Bool, targets: [Int]?,
    flags: SteeringTaskFlags? = nil)
  /// Sets `name` to `value` in each target engine's namespace.
  case push(name: String, value: JSONValue, targets: [Int]?)
  /// Each target engine's namespace value `name`.
  case pull(name: String, targets: [Int]?)
  /// Splits `values` into one block per target engine and sets `name` to each block.
  case scatter(name: String, values: [JSONValue], targets: [Int]?)
  /// The target engines' arrays `name`, concatenated in engine order.
  case gather(name: String, targets: [Int]?)
  /// A job's progress; with `items`, its values once it is ready. Waits up to
  /// `timeout` seconds (capped by the hub) for it to be ready.
  case wait(job: Int, timeout: Double, items: Bool)
  /// The items of a job's tasks that finished after the first `after` (in
  /// the order they finished), waiting up to `timeout` seconds for one: how
  /// a client iterates a result as it arrives.
  case arrivals(job: Int, after: Int, timeout: Double)
  /// The queue per engine.
  case status
  /// One task's record and, for a task a steering client submitted, its values.
  case result(task: Int)
  /// Aborts those of the tasks not started (queued in the hub, or waiting on an engine).
  case abort(tasks: [Int])
  /// Retires engines: each gets no new work, finishes what it holds and
  /// leaves. The hub keeps at least one engine of a served job up.
  case retire(engines: [Int])
  /// Starts `count` more engines (the job must run under `mpirun --enable-recovery`).
  case addEngines(count: Int)
  /// Stops the served job: the hub finishes queued work, stops the engines and exits.
  case stop

  /// The name of the command, as logs and errors use it.
  public var name: String {
    switch self {
    case .hello: return "hello"
    case .engines: return "engines"
    case .functions: return "functions"
    case .apply: return "apply"
    case .map: return "map"
    case .push: return "push"
    case .pull: return "pull"
    case .scatter: return "scatter"
    case .gather: return "gather"
    case .wait: return "wait"
    case .arrivals: return "arrivals"
    case .status: return "status"
    case .result: return "result"
    case .abort: return "abort"
    case .retire: return "retire"
    case .addEngines: return "addEngines"
    case .stop: return "stop"
    }
  }
}
