/// The hub's answer to one command.
public enum SteeringAnswer: Codable, Sendable, Equatable {
  case hello(JobInfo)
  case engines([EngineStatus])
  case functions([FunctionInfo])
  /// A submission was accepted: wait on `job`.
  case submitted(Submission)
  case job(JobStatus)
  case arrivals(Arrivals)
  case status(QueueInfo)
  case task(TaskInfo)
  case aborted([Int])
  /// The engines of a `retire` that were up and now retire.
  case retiring([Int])
  /// The ids of the engines an `addEngines` started.
  case added([Int])
  case stopping
}

/// A served job as its hub describes it.
public struct JobInfo: Codable, Sendable, Equatable {
  public var profile: String
  public var engines: [EngineStatus]
  public var functions: [FunctionInfo]
  /// The hub's process id.
  public var pid: Int
  public init(profile: String, engines: [EngineStatus], functions: [FunctionInfo], pid: Int) {
    self.profile = profile
    self.engines = engines
    self.functions = functions
    self.pid = pid
  }
}

/// One engine: where it runs, what it has done, what it is doing.
public struct EngineStatus: Codable, Sendable, Equatable {
  public var id: Int
  public var rank: Int
  public var host: String
  public var pid: Int
  public var tasksDone: Int
  public var queued: Int
  /// "idle", "busy", "retiring", "retired" or "lost".
  public var state: String
  /// For a lost engine: when and why, and what it was running.
  public var note: String?
  public init(
    id: Int, rank: Int, host: String, pid: Int, tasksDone: Int, queued: Int, state: String, note: String? = nil
  ) {
    self.note = note
    self.id = id
    self.rank = rank
    self.host = host
    self.pid = pid
    self.tasksDone = tasksDone
    self.queued = queued
    self.state = state
  }
}

/// A registered remote function: `area`, `(Int, Int)`, `Int`.
public struct FunctionInfo: Codable, Sendable, Equatable {
  public var name: String
  public var argumentTypes: [String]
  public var resultType: String
  /// Whether it runs on every engine at once only (it makes MPI calls among engines).
  public var collective: Bool
  public init(name: String, argumentTypes: [String], resultType: String, collective: Bool = false) {
    self.name = name
    self.argumentTypes = argumentTypes
    self.resultType = resultType
    self.collective = collective
  }
  /// `area(Int, Int) -> Int`
  public var signature: String { "\(name)(\(argumentTypes.joined(separator: ", "))) -> \(resultType)" }
}

/// A job the hub accepted: its id, the hub's task ids, and how many items it will have.
public struct Submission: Codable, Sendable, Equatable {
  public var job: Int
  public var tasks: [Int]
  public var count: Int
  public init(job: Int, tasks: [Int], count: Int) {
    self.job = job
    self.tasks = tasks
    self.count = count
  }
}

/// A job's progress, and its items once asked for and ready.
public struct JobStatus: Codable, Sendable, Equatable {
  public var job: Int
  public var ready: Bool
  /// Tasks finished and in all.
  public var done: Int
  public var total: Int
  /// The items in input (or engine) order, when asked for and ready.
  public var items: [ItemOutcome]?
  /// The engine each item ran on (nil where none did); for a gather whose
  /// arrays the hub joined into one item, the engines of its parts, in order.
  public var engines: [Int?]?
  public init(job: Int, ready: Bool, done: Int, total: Int, items: [ItemOutcome]?, engines: [Int?]?) {
    self.job = job
    self.ready = ready
    self.done = done
    self.total = total
    self.items = items
    self.engines = engines
  }
}

/// One item of a job: its value, or where and how it failed.
public enum ItemOutcome: Codable, Sendable, Equatable {
  case value(JSONValue)
  case failure(RemoteFailure)
}

/// A task's failure as the hub reports it.
public struct RemoteFailure: Codable, Sendable, Equatable, CustomStringConvertible {
  /// The engine it ran on (-1: none).
  public var engine: Int
  public var task: Int
  public var function: String
  /// The error's type ("EngineError", "RemoteError", a Swift error type).
  public var type: String
  public var message: String
  public init(engine: Int, task: Int, function: String, type: String, message: String) {
    self.engine = engine
    self.task = task
    self.function = function
    self.type = type
    self.message = message
  }
  public var description: String {
    engine >= 0
      ? "\(type) on engine \(engine) in \(function) (task \(task)): \(message)"
      : "\(type) in \(function) (task \(task)): \(message)"
  }
}

/// The hub's queues at one moment.
public struct QueueInfo: Codable, Sendable, Equatable {
  public struct Engine: Codable, Sendable, Equatable {
    public var id: Int
    public var queued: Int
    public var running: Int
    public var completed: Int
    /// "up", "retiring", "retired" or "lost" (absent from a hub that does not say).
    public var state: String?
    public init(id: Int, queued: Int, running: Int, completed: Int, state: String? = nil) {
      self.state = state
      self.id = id
      self.queued = queued
      self.running = running
      self.completed = completed
    }
  }
  public var engines: [Engine]
  /// Load-balanced tasks waiting in the hub.
  public var unassigned: Int
  public init(engines: [Engine], unassigned: Int) {
    self.engines = engines
    self.unassigned = unassigned
  }
}

/// The hub's record of one task.
public struct TaskInfo: Codable, Sendable, Equatable {
  public var id: Int
  public var function: String
  /// "queued", "running", "succeeded", "failed", "aborted", ...
  public var state: String
  public var engine: Int?
  /// The task's values, for a finished task that a steering client submitted.
  public var items: [ItemOutcome]?
  /// When the hub took the task, an engine started it and it finished, in
  /// seconds since 1970 (nil: not yet, or a hub that does not say).
  public var submitted: Double?
  public var started: Double?
  public var completed: Double?
  public init(
    id: Int, function: String, state: String, engine: Int?, items: [ItemOutcome]?, submitted: Double? = nil,
    started: Double? = nil, completed: Double? = nil
  ) {
    self.id = id
    self.function = function
    self.state = state
    self.engine = engine
    self.items = items
    self.submitted = submitted
    self.started = started
    self.completed = completed
  }
}

/// Tasks of a job that finished, in the order they finished, with their items.
public struct Arrivals: Codable, Sendable, Equatable {
  /// One item: its place in the job's input (or engine) order, and how it went.
  public struct Item: Codable, Sendable, Equatable {
    public var index: Int
    public var engine: Int?
    public var outcome: ItemOutcome
    public init(index: Int, engine: Int?, outcome: ItemOutcome) {
      self.index = index
      self.engine = engine
      self.outcome = outcome
    }
  }

  public var job: Int
  /// Tasks finished before these, plus these: the next request's `after`.
  public var tasksSeen: Int
  /// Tasks in all.
  public var total: Int
  public var items: [Item]
  public init(job: Int, tasksSeen: Int, total: Int, items: [Item]) {
    self.job = job
    self.tasksSeen = tasksSeen
    self.total = total
    self.items = items
  }
}
