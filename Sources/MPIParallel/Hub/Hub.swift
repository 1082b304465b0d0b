import Foundation
import Logging
import MPI
import Synchronization

/// Rank 0's scheduler and bookkeeping. One thread of its own owns every MPI
/// call on rank 0 after start-up; the driver's threads hand it commands
/// through a locked inbox and wait on result states. It never blocks in MPI
/// while work is in flight: sends, broadcasts, scatters and gathers are
/// non-blocking and tested in its loop.
// Safe: `loop` is the baton's holder's (Hub.baton); the other vars sit under a lock each (`thread`: set once).
final class Hub: @unchecked Sendable {
  enum Command {
    case loadBalanced([Job])
    case loadBalancedMap(MapSource)
    case direct(DirectOperation)
    /// One request to one engine (an engine's apply): a direct operation of
    /// one job, without the operation around it.
    case directCall(Job)
    case abort(Set<Int>, HubReply<[Int]>)
    case status(HubReply<QueueStatus>)
    case shutdown(abortQueued: Bool)
    /// The liveness watch found engine `id` dead or unreachable; `crashedTask`
    /// is the task its crash or exit note named (that task is charged).
    case engineLost(id: Int, reason: String, crashedTask: Int?)
    /// Retire these engines (answers the ids that were up).
    case retire(Set<Int>, HubReply<[Int]>)
    /// Start this many engines (answers their ids, or the error).
    case addEngines(Int, HubReply<Result<[Int], ParallelError>>)
    /// Where the hub holds task `id`'s result (see `Hub+Lookup`).
    case locate(Int, HubReply<TaskLocation?>)
    /// Abort every task of a view's kind not started (see `Hub+Lookup`).
    case abortPending(AbortScope, HubReply<[Int]>)
  }

  enum State: Equatable {
    case running
    /// Finishing queued work before telling the engines to stop.
    case draining
    /// Shutdown requests sent; waiting for the engines' acknowledgements.
    case stopping
    case stopped
  }

  let world: Communicator
  /// The hub's and the engines' duplicate of world, for requests and replies
  /// (see `Engine.channel`).
  let channel: Communicator
  let table = TaskTable()
  let engineInfos: [EngineInfo]
  /// Every engine and where it stands, for the driver's threads.
  let roster: EngineRoster
  /// Whether Open MPI keeps the job going when a process dies
  /// (`mpirun --enable-recovery`): then a lost engine costs its tasks, not
  /// the job, and requests are kept until answered so they can run again.
  let survivesLoss: Bool
  /// Whether a lost engine is replaced by a new one (`Configuration.replaceLostEngines`).
  var replacesLostEngines = false
  /// Requests an engine may hold at once and still get a load-balanced
  /// task: its load-balanced tasks and its direct work together (0: unlimited).
  /// When `adaptsHighWaterMark`, each engine's own `LatencyCover` limit applies
  /// and this is their cap.
  let highWaterMark: Int
  /// Whether each engine's high-water mark follows the round trip and the
  /// tasks' run times (`--hwm auto`; by default when engines run on other hosts).
  let adaptsHighWaterMark: Bool
  /// Whether the hub logs each decision (`--log-level debug`); read once, checked per task.
  let logsDecisions = RuntimeLog.hub.logLevel <= .debug

  // Shared with the driver.
  let inboxLock = ConditionLock()
  // Safe: read and written under `inboxLock` only, so no dynamic exclusivity checks on top.
  @exclusivity(unchecked) var inbox: [Command] = []
  /// Whether the inbox may hold commands: set with each post, cleared when
  /// the loop takes them (both under `inboxLock`). A pass that finds it
  /// clear skips the lock.
  let hasMail = Atomic<Bool>(false)
  /// Whether the thread running the loop sleeps on `inboxLock` (a post must wake it).
  var runnerSleeping = false
  /// Set once the driver has shut the hub down: posts are refused.
  private let closed = Atomic<Bool>(false)
  /// Held by whichever thread runs the hub's loop: the hub thread, or a
  /// driver thread waiting for a result (it drives the hub itself rather than
  /// wait to be woken). It serializes rank 0's MPI calls.
  let baton = ConditionLock()
  /// Driver threads that want the baton; the hub thread steps aside for them.
  let helpers = Atomic<Int>(0)
  /// How many times a driver has stopped running the loop: the hub thread
  /// stays away while it changes (no clock read on the driver's way out).
  let helps = Atomic<Int>(0)

  // Owned by the thread running the loop (the baton's holder), kept in `loop`.
  var engines: [EngineSlot] {
    _read { yield loop.pointee.engines }
    _modify { yield &loop.pointee.engines }
  }
  var queue: JobQueue {
    _read { yield loop.pointee.queue }
    _modify { yield &loop.pointee.queue }
  }
  var directQueue: [DirectOperation] {
    _read { yield loop.pointee.directQueue }
    _modify { yield &loop.pointee.directQueue }
  }
  /// Whether some engine is held for a direct operation waiting on it.
  var hasReservedEngines: Bool {
    _read { yield loop.pointee.hasReservedEngines }
    _modify { yield &loop.pointee.hasReservedEngines }
  }
  var sends: [PendingSend] {
    _read { yield loop.pointee.sends }
    _modify { yield &loop.pointee.sends }
  }
  var collectives: [CollectiveOperation] {
    _read { yield loop.pointee.collectives }
    _modify { yield &loop.pointee.collectives }
  }
  var inFlightCount: Int {
    _read { yield loop.pointee.inFlightCount }
    _modify { yield &loop.pointee.inFlightCount }
  }
  var loadBalancedInFlight: Int {
    _read { yield loop.pointee.loadBalancedInFlight }
    _modify { yield &loop.pointee.loadBalancedInFlight }
  }
  var communicators: [[Int]: (id: Int, communicator: Communicator)] {
    _read { yield loop.pointee.communicators }
    _modify { yield &loop.pointee.communicators }
  }
  var nextCommunicatorID: Int {
    _read { yield loop.pointee.nextCommunicatorID }
    _modify { yield &loop.pointee.nextCommunicatorID }
  }
  var defaultScheme: AnyScheme {
    _read { yield loop.pointee.defaultScheme }
    _modify { yield &loop.pointee.defaultScheme }
  }
  var schemes: [SchemeName: AnyScheme] {
    _read { yield loop.pointee.schemes }
    _modify { yield &loop.pointee.schemes }
  }
  /// Flagged tasks waiting for their dependencies.
  var blocked: [Job] {
    _read { yield loop.pointee.blocked }
    _modify { yield &loop.pointee.blocked }
  }
  var completedSinceReview: Bool {
    _read { yield loop.pointee.completedSinceReview }
    _modify { yield &loop.pointee.completedSinceReview }
  }
  var nextBlockedReview: Double {
    _read { yield loop.pointee.nextBlockedReview }
    _modify { yield &loop.pointee.nextBlockedReview }
  }
  /// The journal, this run's number in it, what earlier runs completed, and crash counts.
  var journal: Journal? {
    _read { yield loop.pointee.journal }
    _modify { yield &loop.pointee.journal }
  }
  var journalRun: Int {
    _read { yield loop.pointee.journalRun }
    _modify { yield &loop.pointee.journalRun }
  }
  var resumable: [JournalKey: [UInt8]] {
    _read { yield loop.pointee.resumable }
    _modify { yield &loop.pointee.resumable }
  }
  var crashCounts: [JournalKey: Int] {
    _read { yield loop.pointee.crashCounts }
    _modify { yield &loop.pointee.crashCounts }
  }
  var heldForJournal: [HeldResult] {
    _read { yield loop.pointee.heldForJournal }
    _modify { yield &loop.pointee.heldForJournal }
  }
  var heldHead: Int {
    _read { yield loop.pointee.heldHead }
    _modify { yield &loop.pointee.heldHead }
  }
  /// Running tasks with a timeout, soonest first, and those already timed out.
  var runDeadlines: [(deadline: Double, taskID: Int, seconds: Double)] {
    _read { yield loop.pointee.runDeadlines }
    _modify { yield &loop.pointee.runDeadlines }
  }
  var timedOut: Set<Int> {
    _read { yield loop.pointee.timedOut }
    _modify { yield &loop.pointee.timedOut }
  }
  var useClock: UInt64 {
    _read { yield loop.pointee.useClock }
    _modify { yield &loop.pointee.useClock }
  }
  var state: Hub.State {
    _read { yield loop.pointee.state }
    _modify { yield &loop.pointee.state }
  }
  var stopDeadline: Double? {
    _read { yield loop.pointee.stopDeadline }
    _modify { yield &loop.pointee.stopDeadline }
  }
  var shutdownResult: ResultState? {
    _read { yield loop.pointee.shutdownResult }
    _modify { yield &loop.pointee.shutdownResult }
  }
  /// The cluster's scheme, and the others tasks asked for by name.
  let clusterScheme: SchemeName
  /// The loop's state (see `HubLoop`).
  let loop: UnsafeMutablePointer<HubLoop>
  /// A receive posted per engine for its next message (used by the baton's holder).
  let replySlots: ReceiveSlots
  private var thread: Thread?
  /// The liveness watch (nil when it could not listen); stopped after
  /// shutdown. Set once before the hub thread starts, read after it ends.
  var watch: LivenessWatch?
  private let finished = ConditionLock()
  private var isFinished = false

  /// Keeps `journal`: starts a run in it, and loads what earlier runs completed
  /// (answered from it) and which tasks crashed their engines (quarantined).
  func use(_ journal: Journal) throws {
    journalRun = try journal.beginRun()
    resumable = try journal.completedResults()
    crashCounts = try journal.crashCounts()
    self.journal = journal
    if logsDecisions {
      RuntimeLog.hub.debug(
        "journal \(journal.path): run \(journalRun); \(resumable.count) results to reuse; \(crashCounts.filter { $0.value >= Self.quarantineAfter }.count) quarantined"
      )
    }
  }

  /// Collects every engine's hello (blocking, before the hub thread starts).
  /// Engines that died before saying hello are not waited for (`lostBeforeStart`).
  init(
    world: Communicator, channel: Communicator, highWaterMark: Int = 1, automaticHighWaterMark: Bool? = false,
    scheme: SchemeName = .leastload, lostBeforeStart: () -> Set<Int> = { [] }
  ) throws {
    self.world = world
    self.channel = channel
    clusterScheme = scheme
    let defaultScheme = scheme.makeScheme(seed: Self.schemeSeed)
    var infos: [EngineInfo?] = Array(repeating: nil, count: world.size - 1)
    var remaining = infos.count
    var backoff = Backoff(now: MonotonicClock.now())
    while remaining > 0 {
      guard let message = try channel.probeMessage(from: nil, tag: MessageTag.hello) else {
        let lost = lostBeforeStart()
        if !lost.isEmpty, infos.indices.allSatisfy({ infos[$0] != nil || lost.contains($0) }) { break }
        if case .sleep(let seconds) = backoff.idle(now: MonotonicClock.now()) {
          MonotonicClock.sleep(seconds)
        }
        continue
      }
      let hello = try Self.readHello(try message.receive(), firstID: 0)
      guard hello.rank >= 1 && hello.rank <= infos.count else { continue }
      if infos[hello.rank - 1] == nil { remaining -= 1 }
      infos[hello.rank - 1] = hello
      backoff.reset(now: MonotonicClock.now())
    }
    engineInfos = infos.enumerated().map { id, info in
      info ?? EngineInfo(id: id, rank: id + 1, host: "(no hello)", pid: 0)
    }
    roster = EngineRoster(engineInfos)
    let hubHost = MPI.processorName
    adaptsHighWaterMark = automaticHighWaterMark ?? engineInfos.contains { $0.host != hubHost }
    self.highWaterMark = adaptsHighWaterMark ? LatencyCover.cap : highWaterMark
    survivesLoss = ProcessInfo.processInfo.environment["OMPI_MCA_orte_enable_recovery"] == "1"
    replySlots = try ReceiveSlots(
      communicator: channel, sources: engineInfos.map(\.rank), capacity: Framing.hubSlotBytes)
    loop = .allocate(capacity: 1)
    loop.initialize(
      to: HubLoop(engines: engineInfos.map { EngineSlot(id: $0.id) }, defaultScheme: defaultScheme))
    loop.pointee.engineCommunicatorSet = engineInfos.map(\.id)
  }

  /// An engine's hello (see `Engine.serve`): its rank on the channel, pid,
  /// host and capabilities; its id is `firstID` + rank - 1.
  static func readHello(_ bytes: [UInt8], firstID: Int) throws -> EngineInfo {
    var reader = WireReader(bytes)
    let rank = Int(try reader.read(UInt32.self))
    let pid = Int(try reader.read(UInt32.self))
    let host = try reader.readString()
    var capabilities = Set<String>()
    for _ in 0..<Int(try reader.read(UInt32.self)) { capabilities.insert(try reader.readString()) }
    return EngineInfo(id: firstID + rank - 1, rank: rank, host: host, pid: pid, capabilities: capabilities)
  }

  deinit {
    loop.deinitialize(count: 1)
    loop.deallocate()
  }

  // MARK: Driver side

  func start() {
    let thread = Thread { [self] in
      run()
      finished.withLock { isFinished = true }
      finished.broadcast()
    }
    thread.name = "MPIParallel hub"
    thread.stackSize = 8 << 20
    self.thread = thread
    thread.start()
  }

  /// Hands a command to the hub. When no thread runs the hub's loop right now,
  /// the caller runs one pass itself with the command in hand (after what
  /// the inbox holds), so it goes out at once, through no inbox and no
  /// thread to wake; otherwise the command waits in the inbox for the thread
  /// running the loop.
  func post(_ command: Command) throws {
    guard !closed.load(ordering: .acquiring) else { throw ParallelError.clientClosed }
    if baton.tryLock() {
      _ = iterateOrAbort(handling: command)
      baton.unlock()
      return
    }
    let wake: Bool = try inboxLock.withLock {
      guard !closed.load(ordering: .relaxed) else { throw ParallelError.clientClosed }
      inbox.append(command)
      hasMail.store(true, ordering: .releasing)
      return runnerSleeping
    }
    // The loop may have been let go since: then run the pass here.
    if baton.tryLock() {
      _ = iterateOrAbort()
      baton.unlock()
    } else if wake {
      inboxLock.broadcast()
    }
  }

  /// Aborts those of `taskIDs` not started (queued in the hub, or waiting
  /// on an engine behind earlier work); returns them. Blocks until each
  /// engine holding such a task has said whether it dropped it.
  func abort(_ taskIDs: Set<Int>) throws -> [Int] {
    let reply = HubReply<[Int]>()
    try post(.abort(taskIDs, reply))
    return reply.wait()
  }

  /// The queues as they are now.
  func queueStatus() throws -> QueueStatus {
    let reply = HubReply<QueueStatus>()
    try post(.status(reply))
    return reply.wait()
  }

  /// Finishes (or, with `abortQueued`, aborts) the queued work, stops the
  /// engines and the hub thread. Returns when the hub thread has ended.
  func shutdown(abortQueued: Bool) {
    try? post(.shutdown(abortQueued: abortQueued))
    inboxLock.withLock { closed.store(true, ordering: .releasing) }
    inboxLock.broadcast()
    finished.withLock {
      while !isFinished { finished.wait(until: nil) }
    }
  }

  // MARK: Hub thread

  func handle(_ command: Command) throws {
    switch command {
    case .loadBalanced(let jobs):
      for job in jobs { queue.append(job) }
    case .loadBalancedMap(let source):
      queue.append(source)
    case .direct(let operation):
      if enginesDown > 0, let down = operation.engines.first(where: { engines[$0].state != .up }) {
        for job in operation.jobs { fail(job, with: downError(down, task: job.taskID), state: .failed) }
      } else {
        directQueue.append(operation)
      }
    case .directCall(let job):
      if engines[job.engine].state != .up {
        return fail(job, with: downError(job.engine, task: job.taskID), state: .failed)
      }
      // With no direct operation waiting, nothing goes before it: it leaves now.
      if directQueue.isEmpty && !hasReservedEngines {
        try send(job)
      } else {
        directQueue.append(DirectOperation(engines: [job.engine], kind: .requests([job])))
      }
    case .status(let reply):
      let states = roster.states
      let status = QueueStatus(
        engines: engines.map {
          QueueStatus.Engine(
            id: $0.id, queued: Swift.max(0, $0.outstanding - 1), running: Swift.min(1, $0.outstanding),
            completed: $0.completed, state: states[$0.id])
        }, unassigned: queue.count + blocked.count)
      reply.answer(status)
    case .engineLost(let id, let reason, let crashedTask):
      try handleLoss(of: id, reason: reason, crashedTask: crashedTask)
    case .retire(let ids, let reply):
      reply.answer(beginRetiring(ids))
    case .addEngines(let count, let reply):
      do {
        reply.answer(.success(try addEngines(count)))
      } catch let error as ParallelError {
        reply.answer(.failure(error))
      } catch {
        reply.answer(.failure(.mpi("addEngines: \(error)")))
      }
    case .abort(let ids, let reply):
      try abort(where: { ids.contains($0) }, reply: reply)
    case .locate(let id, let reply):
      reply.answer(locate(id))
    case .abortPending(let scope, let reply):
      try abortPending(scope, reply: reply)
    case .shutdown(let abortQueued):
      if logsDecisions {
        RuntimeLog.hub.debug("shutdown requested\(abortQueued ? "; aborting queued tasks" : "")")
      }
      if abortQueued {
        // Queued in the hub or waiting on an engine: nothing more starts.
        try abort(where: { _ in true }, reply: nil)
        stopDeadline = MonotonicClock.now() + 10
      }
      if state == .running { state = .draining }
    }
  }

  func fail(_ job: Job, with error: Error, state: TaskState) {
    let now = MonotonicClock.wallNow()
    table.markFinished(job.taskID, state: state, started: 0, completed: now)
    let engine = job.engine >= 0 ? job.engine : nil
    let sequence = record(job, state: state, reply: nil, engine: engine, error: "\(error)")
    deliver(job, engineID: engine, outcome: .failed(error), after: sequence)
  }

  /// Moves the shutdown along: once nothing is left, tell every engine to stop.
  func advanceShutdown() throws -> Bool {
    switch state {
    case .running, .stopped: return false
    case .draining:
      guard queue.isEmpty, blocked.isEmpty, directQueue.isEmpty, collectives.isEmpty, !holdsResults,
        inFlightCount == 0 || stopDeadline != nil
      else { return checkDeadline() }
      // Lost engines hear nothing; retired ones have left already.
      let present = engines.indices.filter { engines[$0].state == .up || engines[$0].state == .retiring }
      let ids = table.allocate(function: "shutdown", count: present.count)
      let result = ResultState(label: "shutdown", taskIDs: ids)
      shutdownResult = result
      for (index, id) in ids.enumerated() {
        let job = Job(
          taskID: id, message: HubRequest.shutdown(taskID: id).encode(), result: result, slot: index,
          targets: nil, engine: present[index], loadBalanced: false)
        try send(job)
      }
      state = .stopping
      return true
    case .stopping:
      if shutdownResult?.isReady == true && sends.isEmpty {
        for (_, entry) in communicators { try? entry.communicator.free() }
        communicators.removeAll()
        // Every engine has answered its shutdown: no message is due.
        try replySlots.cancel()
        for group in loop.pointee.spawned { try group.replySlots.cancel() }
        state = .stopped
        return true
      }
      return checkDeadline()
    }
  }

  private func checkDeadline() -> Bool {
    if let stopDeadline, MonotonicClock.now() > stopDeadline {
      StandardStreams.writeError(
        "MPIParallel: engines did not stop within 10 s of the driver's error; aborting the MPI job\n")
      MPI.abort(code: 1)
    }
    return false
  }
}

/// The hub's view of one engine.
struct EngineSlot {
  let id: Int
  /// Requests sent and not yet answered (all kinds).
  var outstanding = 0
  /// Load-balanced tasks sent and not yet answered (the rest of
  /// `outstanding` is direct work).
  var loadBalanced = 0
  /// When it was last given a load-balanced task (the hub's counter).
  var lastUsed: UInt64 = 0
  /// Held for a direct operation waiting on it: no new load-balanced tasks.
  var reserved = false
  /// Tasks it has completed.
  var completed = 0
  /// Its automatic high-water mark (used when the hub adapts them).
  var cover = LatencyCover()
  /// Jobs sent to it and not yet answered, oldest first.
  var inFlight = InFlightJobs()
  /// Up, leaving, or gone.
  var state = Presence.up

  enum Presence {
    case up
    /// No new work; told to leave once it holds none.
    case retiring
    /// Told to leave; its goodbye is awaited.
    case leaving
    case retired
    case lost
  }

  /// Whether it may take another load-balanced task: it is not held back,
  /// and it holds fewer requests than `highWaterMark` (0: no limit), its
  /// direct work included (a task sent to an engine busy with direct work
  /// would wait behind it).
  @inline(__always)
  func hasRoom(highWaterMark: Int) -> Bool {
    !reserved && (highWaterMark == 0 || outstanding < highWaterMark)
  }

  /// The task it takes next, now that it has answered the one before: its
  /// oldest job's (nil when it holds none, or when a gather not over may
  /// come first: gathers count in `outstanding` only).
  @inline(__always)
  var nextToStart: (id: Int, flagged: Bool)? {
    outstanding == inFlight.count ? inFlight.firstTask : nil
  }

  /// Puts a job sent to this engine on its in-flight list, and counts it in its load.
  mutating func hold(_ job: Job) {
    inFlight.append(job)
    outstanding += 1
    if job.loadBalanced { loadBalanced += 1 }
  }

  /// Takes the job that task `taskID`'s reply answers off the in-flight
  /// list, and counts it out of the engine's load; nil when it holds none.
  /// (One access to the hub's engines for all three: each access through
  /// the array checks that it is unshared.)
  mutating func takeAnswered(taskID: Int) -> Job? {
    guard let job = inFlight.remove(taskID: taskID) else { return nil }
    outstanding -= 1
    if job.loadBalanced { loadBalanced -= 1 }
    return job
  }
}

/// A non-blocking send and the bytes it reads from.
struct PendingSend {
  let request: Request
  let bytes: [UInt8]
  /// The engine it goes to (sends to a lost engine are let go).
  let engine: Int
}

/// The hub's answer to a driver's question (abort, status): set once on the
/// hub's side, waited for on the driver's.
// Safe: `value` is read and written under `lock` only.
final class HubReply<Value: Sendable>: @unchecked Sendable {
  private let lock = ConditionLock()
  private var value: Value?

  func answer(_ value: Value) {
    lock.withLock { self.value = value }
    lock.broadcast()
  }

  /// Blocks until answered (checking every millisecond, so a wake-up that
  /// comes before the wait cannot be missed).
  func wait() -> Value {
    lock.withLock {
      while value == nil { lock.wait(until: MonotonicClock.now() + 1e-3) }
      return value!
    }
  }
}
