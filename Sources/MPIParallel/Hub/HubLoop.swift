/// What the hub's loop owns: only the thread holding the baton touches it.
/// It lives behind a pointer so that each access is a plain load and store:
/// as stored properties of the hub (a class), every access paid a dynamic
/// exclusivity check, tens of them per task.
struct HubLoop {
  var engines: [EngineSlot]
  /// The array the inbox's commands are swapped into (kept empty between passes).
  var spareInbox: [Hub.Command] = []
  /// Scratch space of the dispatch: the engines a task may go to.
  var candidates: [EngineLoad] = []
  /// Jobs answered since the last receive, let go at the next: freeing
  /// them then keeps it off the path from a reply to its waiting driver.
  var answered: [Job] = []
  /// Where each engine's message is copied as it is taken (reused from one
  /// to the next: see `Framing.take`).
  var replyBuffer: [UInt8] = []
  /// Where deferred chunks' requests are written as they are sent (its
  /// buffer reused from one to the next).
  var requestWriter = WireWriter()
  var queue: JobQueue = JobQueue()
  var directQueue: [DirectOperation] = []
  /// Whether some engine is held for a direct operation waiting on it.
  var hasReservedEngines: Bool = false
  var sends: [PendingSend] = []
  var collectives: [CollectiveOperation] = []
  /// Jobs sent and not yet answered, over all engines (each engine keeps its own).
  var inFlightCount = 0
  /// Load-balanced tasks sent and not yet answered, over all engines.
  var loadBalancedInFlight = 0
  var communicators: [[Int]: (id: Int, communicator: Communicator)] = [:]
  var nextCommunicatorID: Int = 1
  /// The engines whose `EngineContext.communicator` holds them all (those
  /// the job started with, until a collective function runs after engines
  /// were added; see `Hub.rebuildEngineCommunicator`).
  var engineCommunicatorSet: [Int] = []
  var defaultScheme: AnyScheme
  var schemes: [SchemeName: AnyScheme] = [:]
  /// Flagged tasks waiting for their dependencies.
  var blocked: [Job] = []
  var completedSinceReview: Bool = false
  var nextBlockedReview: Double = 0.0
  /// The journal, this run's number in it, what earlier runs completed, and crash counts.
  var journal: Journal?
  var journalRun: Int = 0
  var resumable: [JournalKey: [UInt8]] = [:]
  var crashCounts: [JournalKey: Int] = [:]
  /// The journal keys of requests (the last signature's hash kept for the next).
  var journalKeys = JournalKeyCache()
  var heldForJournal: [HeldResult] = []
  var heldHead: Int = 0
  /// The held outcome at the front when last looked at, since when,
  /// whether the writer was hurried for it, and a count of passes (see
  /// `Hub.hurryWhenLate`).
  var heldFront: Int = 0
  var heldFrontSince: Double = 0
  var heldFrontHurried = false
  var heldPolls: UInt = 0
  /// Running tasks with a timeout, soonest first, and those already timed out.
  var runDeadlines: [(deadline: Double, taskID: Int, seconds: Double)] = []
  var timedOut: Set<Int> = Set<Int>()
  var useClock: UInt64 = 0
  /// Engines not up (lost, retiring or retired): while any is, the dispatch
  /// looks at each engine rather than trust the count of tasks out.
  var enginesDown = 0
  /// Crashes of an engine charged to each task this run (see `Hub.handleLoss`).
  var crashesThisRun: [Int: Int] = [:]
  /// Tasks of collectives failed by an engine's loss: their late replies are dropped quietly.
  var abandoned: Set<Int> = []
  /// Engines added while the job runs, by group (see `Hub.addEngines`).
  var spawned: [Hub.SpawnedGroup] = []
  /// Aborts waiting for engines to answer the tasks they named, and every
  /// task they wait for (see `Hub.abort(where:reply:)`).
  var pendingAborts: [PendingAbort] = []
  var abortsAwaited: Set<Int> = []
  /// Engines retiring or leaving (the loop moves them along while any is).
  var retirements = 0
  /// Engines told to leave, and the result their goodbye fills.
  var leaving: [(engine: Int, result: ResultState)] = []
  /// Lost engines to replace, and when (see `Hub.startDueReplacements`).
  var replacements: [(lost: Int, due: Double)] = []
  var state: Hub.State = .running
  var stopDeadline: Double?
  var shutdownResult: ResultState?
}
