/// One request bound for one engine, with the result slot its reply fills.
///
/// A class: the hub moves each job through its queue, an engine's in-flight
/// list and the delivery of its reply, and a reference moves with one retain
/// where a struct of this size was copied field by field each time. A job has
/// one owner at a time (the driver until posted, then the hub's loop), so
/// its fields skip dynamic exclusivity checks (`@exclusivity(unchecked)`).
final class Job {
  /// (Reset when a map source takes the job back for another chunk: see `MapSource.recycle`.)
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) private(set) var taskID: Int
  /// The encoded request (built by the driver's thread; collectives build theirs at dispatch).
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var message: [UInt8]
  let result: ResultState
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) private(set) var slot: Int
  /// Engines a load-balanced job may run on (nil: any).
  let targets: [Int]?
  /// The engine it runs on: chosen by the scheduler for load-balanced jobs, fixed for direct ones.
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var engine: Int
  /// Whether it counts against the engine's load-balanced high-water mark.
  let loadBalanced: Bool
  /// Scheduling flags (nil: none, the common case), shared by reference:
  /// an unflagged job checks one pointer, where reading an optional
  /// `TaskFlags` copied the whole struct. Hot paths read one field through
  /// it (`sharedFlags?.value.cost`); `flags` copies them all.
  let sharedFlags: SharedFlags?
  var flags: TaskFlags? { sharedFlags?.value }
  /// Engines that declined it (functional dependency) or on which it failed (retries).
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var tried: Set<Int> = []
  /// Failed runs so far (against `flags.retries`).
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var failures = 0
  /// Whether an engine declined it (its functional dependency did not hold,
  /// or it threw `UnmetDependency`): it then goes only to engines not tried.
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var declined = false
  /// When it was queued in the hub (monotonic seconds), for its dependency
  /// timeout: set again each time it goes back to the queue (a retry, a try
  /// on another engine, a lost engine's task), so the timeout limits each
  /// attempt's wait in the hub, not the time it spent on engines.
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var queuedAt: Double
  /// Its function and arguments' key, when a journal is kept.
  // Safe: one owner at a time (see the type).
  @exclusivity(unchecked) var journalKey: JournalKey? = nil
  /// The map whose chunk `slot` it is, when its request is written only as
  /// it is sent (`message` stays empty; see `MapSource.job`).
  let source: MapSource?

  init(
    taskID: Int, message: [UInt8], result: ResultState, slot: Int, targets: [Int]?, engine: Int,
    loadBalanced: Bool, flags: SharedFlags? = nil, queuedAt: Double = 0, source: MapSource? = nil
  ) {
    self.taskID = taskID
    self.message = message
    self.result = result
    self.slot = slot
    self.targets = targets
    self.engine = engine
    self.loadBalanced = loadBalanced
    self.sharedFlags = flags
    self.queuedAt = queuedAt
    self.source = source
  }

  /// The job as chunk `slot` (task `taskID`) of its source, fresh: no
  /// engine, no request, no failures. Only for a job its source took back
  /// (`MapSource.recycle`), which nothing else holds.
  func reuse(taskID: Int, slot: Int) {
    self.taskID = taskID
    self.slot = slot
    engine = -1
    if !message.isEmpty { message = [] }
    if !tried.isEmpty {
      tried = []
      declined = false
    }
    failures = 0
    if journalKey != nil { journalKey = nil }
  }
}

/// Scheduling flags held once for every job that carries them.
final class SharedFlags {
  let value: TaskFlags
  init(_ value: TaskFlags) { self.value = value }
}

/// An operation on a fixed set of engines (a DirectView's), kept in order
/// with the other direct operations on the same engines.
final class DirectOperation {
  enum Kind {
    /// One request per engine (apply, map, pull, remove).
    case requests([Job])
    /// Broadcast an encoded blob of namespace entries; each engine acknowledges.
    case broadcast(blob: [UInt8], jobs: [Job])
    /// Scatter parts of a buffer; each engine acknowledges.
    case scatter(ScatterPlan)
    /// Gather each engine's part; the hub fills the slots.
    case gather(GatherPlan)
  }

  /// Engine ids, sorted, without repeats.
  let engines: [Int]
  let kind: Kind
  /// Whether its engines call a collective function, which uses
  /// `EngineContext.communicator`: one of exactly these engines.
  let usesEngineCommunicator: Bool

  init(engines: [Int], kind: Kind, usesEngineCommunicator: Bool = false) {
    self.engines = engines
    self.kind = kind
    self.usesEngineCommunicator = usesEngineCommunicator
  }

  var jobs: [Job] {
    switch kind {
    case .requests(let jobs), .broadcast(_, let jobs): return jobs
    case .scatter(let plan): return plan.jobs
    case .gather(let plan): return plan.jobs
    }
  }

  /// Whether it needs a communicator of the hub and its engines.
  var isCollective: Bool {
    if case .requests = kind { return false }
    return true
  }
}

/// What a scatter sends: per engine, a byte range of one buffer.
struct ScatterPlan {
  let name: String
  let mode: TransferMode
  /// The type each engine stores its part as (its array type, or the element type when flattened).
  let typeNames: [String]
  /// Bytes per engine, in the order of the operation's engines.
  let byteCounts: [Int]
  let flatten: Bool
  /// The bytes; valid while `keepAlive` lives.
  let buffer: UnsafeRawBufferPointer
  let keepAlive: Any
  /// One acknowledgement job per engine.
  let jobs: [Job]
}

/// What a gather asks for.
struct GatherPlan {
  let name: String
  let mode: TransferMode
  let elementTypeName: String
  /// Allocates the buffer the parts land in, once their total size is known.
  let destination: @Sendable (_ byteCount: Int) -> any GatherDestination
  /// One slot per engine, filled by the hub from the gathered buffer.
  let jobs: [Job]
}
