import Foundation
import MPI

/// Engines that leave while the job runs: lost (their process died, or their
/// host went silent: see `LivenessWatch`) or retired (asked to leave).
///
/// A lost engine costs the tasks it held, not the job: its load-balanced
/// tasks go back to the queue and run elsewhere, while its direct calls and
/// any collective it was part of fail with `ParallelError.engineLost`, at
/// once, so nothing waits on it. A task whose own crash or `exit` took an
/// engine down is charged with it; one charged twice is quarantined rather
/// than allowed to take down every engine in turn.
extension Hub {
  var enginesDown: Int {
    _read { yield loop.pointee.enginesDown }
    _modify { yield &loop.pointee.enginesDown }
  }

  /// The error for work bound to engine `id`, which is no longer up.
  func downError(_ id: Int, task: Int?) -> ParallelError {
    switch engines[id].state {
    case .retiring, .leaving, .retired: return .engineRetired(id: id)
    case .up, .lost:
      let engine = self.info(of: id)
      return .engineLost(id: id, rank: engine.rank, host: engine.host, task: task)
    }
  }

  /// Marks engine `id` lost and settles everything that depended on it.
  func handleLoss(of id: Int, reason: String, crashedTask: Int?) throws {
    guard id >= 0 && id < engines.count else { return }
    let was = engines[id].state
    guard was != .lost && was != .retired else { return }
    if was == .up { enginesDown += 1 }
    engines[id].state = .lost
    engines[id].reserved = true
    hasReservedEngines = true
    let held = engines[id].inFlight.removeAll()
    engines[id].outstanding = 0
    engines[id].loadBalanced = 0
    inFlightCount -= held.count
    loadBalancedInFlight -= held.lazy.filter(\.loadBalanced).count
    let report = EngineLossReport(
      at: Date(), reason: reason, taskIDs: held.map(\.taskID),
      function: held.first.map { table.function(of: $0.taskID) })
    roster.set(id, .lost(report))
    StandardStreams.writeError(
      "MPIParallel: \(info(of: id)) was lost: \(report); its load-balanced tasks run elsewhere\n")
    recordEvent(id, "lost", detail: "\(report)", at: report.at)
    watch?.announceLoss(of: id)
    sends.removeAll { $0.engine == id }
    for (ranks, _) in communicators where ranks.contains(id) { communicators.removeValue(forKey: ranks) }

    var requeued = 0
    for job in held {
      if job.loadBalanced {
        if timedOut.remove(job.taskID) != nil { continue }  // already failed by its timeout
        runDeadlines.removeAll { $0.taskID == job.taskID }
        if job.taskID == crashedTask, quarantine(job, engine: id, reason: reason) { continue }
        requeue(job)
        requeued += 1
      } else if !loop.pointee.abandoned.contains(job.taskID) {
        fail(job, with: downError(id, task: job.taskID), state: .failed)
      }
    }
    failCollectives(involving: id)
    if !abortsAwaited.isEmpty { settleAborts(ofLost: held) }
    directQueue.removeAll { operation in
      guard operation.engines.contains(id) else { return false }
      for job in operation.jobs { fail(job, with: downError(id, task: job.taskID), state: .failed) }
      return true
    }
    if was == .retiring || was == .leaving { loop.pointee.retirements -= 1 }
    loop.pointee.leaving.removeAll { $0.engine == id }
    if logsDecisions {
      RuntimeLog.hub.debug("engine \(id) lost (\(reason)); \(requeued) load-balanced tasks queued again")
    }
    if replacesLostEngines {
      loop.pointee.replacements.append((lost: id, due: MonotonicClock.now() + Self.replacementDelay))
    }
    if enginesDown == engines.count { failWaitingWork(ParallelError.noEngines("every engine was lost or retired")) }
  }

  /// How long a replacement waits after the loss. The liveness channel sees a
  /// death before mpirun has reaped the process and freed its slot; a spawn
  /// made before that is refused with "All nodes ... are already filled".
  static let replacementDelay = 1.0

  /// Starts the replacements that are due (`Configuration.replaceLostEngines`);
  /// none once the job is shutting down.
  func startDueReplacements() -> Bool {
    guard state == .running else {
      loop.pointee.replacements.removeAll()
      return false
    }
    let now = MonotonicClock.now()
    guard loop.pointee.replacements.contains(where: { $0.due <= now }) else { return false }
    let due = loop.pointee.replacements.filter { $0.due <= now }
    loop.pointee.replacements.removeAll { $0.due <= now }
    for replacement in due { replace(replacement.lost) }
    return true
  }

  /// Starts an engine in place of lost engine `id`.
  private func replace(_ id: Int) {
    do {
      let added = try addEngines(1)
      StandardStreams.writeError("MPIParallel: engine \(added[0]) started in place of lost engine \(id)\n")
    } catch {
      StandardStreams.writeError("MPIParallel: could not replace lost engine \(id): \(error)\n")
    }
  }

  /// Keeps an engine's leaving in the journal, if there is one.
  private func recordEvent(_ id: Int, _ event: String, detail: String, at: Date) {
    guard let journal else { return }
    let engine = self.info(of: id)
    do {
      try journal.record(
        EngineEvent(
          run: journalRun, engine: id, rank: engine.rank, host: engine.host, event: event, at: at, detail: detail))
    } catch {
      StandardStreams.writeError("MPIParallel: journal: could not record engine \(id) \(event): \(error)\n")
    }
  }

  /// Counts a crash against `job`'s task; true (the task failed as
  /// quarantined) once it has taken down `quarantineAfter` engines.
  private func quarantine(_ job: Job, engine: Int, reason: String) -> Bool {
    let crashes = loop.pointee.crashesThisRun[job.taskID, default: 0] + 1
    loop.pointee.crashesThisRun[job.taskID] = crashes
    guard crashes >= Self.quarantineAfter else { return false }
    let function = table.function(of: job.taskID)
    fail(
      job,
      with: ParallelError.quarantined(
        taskID: job.taskID,
        reason: "'\(function)' took down \(crashes) engines in this run (the last, engine \(engine): \(reason))"),
      state: .failed)
    return true
  }

  /// Puts a lost engine's load-balanced job back at the front of the queue,
  /// its request written again when it was let go after sending.
  private func requeue(_ job: Job) {
    var job = job
    if job.message.isEmpty, let source = job.source,
      let fresh = try? source.job(job.slot, deferred: false)
    {
      job = fresh
    }
    job.engine = -1
    table.markQueued(job.taskID)
    job.queuedAt = MonotonicClock.now()
    queue.pushFront(job)
  }

  /// Fails every collective in flight on a communicator with engine `id`,
  /// every slot of it at once: its other engines may never finish their
  /// part. Their late acknowledgements are dropped quietly.
  private func failCollectives(involving id: Int) {
    collectives.removeAll { collective in
      guard collective.operation.engines.contains(id) else { return false }
      let isGather: Bool
      if case .gather = collective.operation.kind { isGather = true } else { isGather = false }
      for job in collective.operation.jobs {
        if isGather {
          // A gather's jobs are counted out when it completes, which it now never will.
          if job.engine != id { engines[job.engine].outstanding -= 1 }
        } else if job.engine == id {
          continue  // failed with the lost engine's other jobs
        } else if engines[job.engine].takeAnswered(taskID: job.taskID) != nil {
          inFlightCount -= 1
          loop.pointee.abandoned.insert(job.taskID)
          settleAwaitedAbort(job.taskID, aborted: false)
        }
        fail(job, with: downError(id, task: job.taskID), state: .failed)
      }
      return true
    }
  }

  /// Fails every load-balanced task still waiting (queued or blocked).
  private func failWaitingWork(_ error: ParallelError) {
    for job in queue.removeAll(where: { _ in true }) { fail(job, with: error, state: .failed) }
    for job in blocked { fail(job, with: error, state: .failed) }
    blocked.removeAll()
  }

  /// When `job` found no engine with room: fails it if none of the engines
  /// it may run on is up any more (it would wait forever); true if so.
  func failIfNoEngineLeft(_ job: Job, allowed: [Int]?) -> Bool {
    let candidates = allowed ?? Array(engines.indices)
    if candidates.contains(where: { engines[$0].state == .up }) { return false }
    let error: ParallelError =
      candidates.count == 1
      ? downError(candidates[0], task: job.taskID)
      : .noEngines("engines \(candidates) were lost or retired")
    fail(job, with: error, state: .failed)
    return true
  }

  /// Whether a reply that matches no job is one to drop without a word: from
  /// an engine already lost, or for a collective that failed.
  func droppedQuietly(reply bytes: [UInt8], from engine: Int) -> Bool {
    if engine >= 0 && engine < engines.count && engines[engine].state == .lost { return true }
    guard let header = try? EngineReply(header: bytes) else { return false }
    return loop.pointee.abandoned.remove(header.taskID) != nil
  }

  // MARK: Retiring

  /// Marks the engines of `ids` that are up as retiring: they get no new
  /// work, and each leaves once it holds none. Returns those ids.
  func beginRetiring(_ ids: Set<Int>) -> [Int] {
    var retiring: [Int] = []
    for id in ids.sorted() where id >= 0 && id < engines.count && engines[id].state == .up {
      engines[id].state = .retiring
      engines[id].reserved = true
      enginesDown += 1
      loop.pointee.retirements += 1
      retiring.append(id)
      roster.set(id, .retiring)
      for (ranks, _) in communicators where ranks.contains(id) { communicators.removeValue(forKey: ranks) }
    }
    if !retiring.isEmpty { hasReservedEngines = true }
    if enginesDown == engines.count { failWaitingWork(ParallelError.noEngines("every engine was lost or retired")) }
    return retiring
  }

  /// Tells each retiring engine that holds no work to leave, and marks
  /// those that have said goodbye retired; true when anything moved.
  func advanceRetirements() throws -> Bool {
    var progressed = false
    for id in engines.indices where engines[id].state == .retiring {
      guard engines[id].outstanding == 0, !directQueue.contains(where: { $0.engines.contains(id) })
      else { continue }
      let taskID = table.allocate(function: "retire", count: 1).lowerBound
      let result = ResultState(label: "retire engine \(id)", taskIDs: taskID..<(taskID + 1))
      let job = Job(
        taskID: taskID, message: HubRequest.retire(taskID: taskID).encode(), result: result, slot: 0,
        targets: nil, engine: id, loadBalanced: false)
      engines[id].state = .leaving
      watch?.retire(id)
      try send(job)
      loop.pointee.leaving.append((id, result))
      progressed = true
    }
    loop.pointee.leaving.removeAll { entry in
      guard entry.result.isReady else { return false }
      engines[entry.engine].state = .retired
      loop.pointee.retirements -= 1
      let now = Date()
      roster.set(entry.engine, .retired(at: now))
      recordEvent(entry.engine, "retired", detail: "", at: now)
      // The others learn that it is gone (see `Cluster.finalize`).
      watch?.announceLoss(of: entry.engine)
      if logsDecisions { RuntimeLog.hub.debug("engine \(entry.engine) retired") }
      progressed = true
      return true
    }
    return progressed
  }

}
