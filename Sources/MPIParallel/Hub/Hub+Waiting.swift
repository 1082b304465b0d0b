import Foundation
import Logging

/// Work waiting on an engine behind earlier work, and aborts.
///
/// An engine takes its requests in order, one at a time: a request sent to
/// an engine that holds unanswered ones waits there. The hub reports it
/// queued (on that engine) until the engine has answered every request
/// sent before it, and only then running (`startsNext`).
///
/// An abort drops the tasks it names that have not started, wherever they
/// wait. Those in the hub's queues are dropped at once. Those waiting on an
/// engine are named in an abort notice (`HubRequest.abort`) sent to it
/// after their requests: the engine reads it before it starts its next
/// request and answers each named task still waiting there as aborted,
/// instead of running it. The abort is answered once every engine holding
/// such a task has answered it (aborted, or run: it had started before the
/// notice was read), so once each such engine has finished the request it
/// was running.
extension Hub {
  var abortsAwaited: Set<Int> {
    _read { yield loop.pointee.abortsAwaited }
    _modify { yield &loop.pointee.abortsAwaited }
  }

  /// The task engine `engine` takes next, now that it has answered the
  /// one before (nil: none to mark running): its oldest job's, unless a
  /// gather there is not over (it may come first), the job was settled
  /// already (timed out), or an abort notice names it (its reply will say).
  @inline(__always)
  func startsNext(on engine: Int) -> (id: Int, flagged: Bool)? {
    // (Read straight from the loop's state: asked on every reply.)
    guard let next = loop.pointee.engines[engine].nextToStart,
      loop.pointee.timedOut.isEmpty || !loop.pointee.timedOut.contains(next.id),
      loop.pointee.abortsAwaited.isEmpty || !loop.pointee.abortsAwaited.contains(next.id)
    else { return nil }
    return next
  }

  /// Marks task `next`, which engine `engine` takes next, running.
  func markRunning(_ next: (id: Int, flagged: Bool), on engine: Int) {
    table.markRunning(next.id, engine: engine)
    if next.flagged { noteStart(ofNextOn: engine) }
  }

  /// Marks the task engine `engine` takes next running (see `startsNext`).
  func markNextRunning(on engine: Int) {
    if let next = startsNext(on: engine) { markRunning(next, on: engine) }
  }

  /// Starts the run timeout of the job engine `engine` takes next (see `noteStart(of:)`).
  func noteStart(ofNextOn engine: Int) {
    if let job = engines[engine].inFlight.first { noteStart(of: job) }
  }

  /// Starts `job`'s run timeout, if it has one, as it starts on its engine:
  /// the time it waited there behind earlier work does not count.
  func noteStart(of job: Job) {
    guard let timeout = job.sharedFlags?.value.timeout,
      !runDeadlines.contains(where: { $0.taskID == job.taskID })
    else { return }
    let seconds = ResultContext.seconds(timeout)
    let deadline = MonotonicClock.now() + seconds
    let position = runDeadlines.firstIndex { $0.deadline > deadline } ?? runDeadlines.endIndex
    runDeadlines.insert((deadline, job.taskID, seconds), at: position)
  }

  /// Aborts the tasks `matches` names that have not started: at once those
  /// waiting in the hub, and through a notice to their engines those
  /// waiting on one. `reply` gets the ids aborted once the engines have
  /// answered (see the extension's note).
  func abort(where matches: (Int) -> Bool, reply: HubReply<[Int]>?) throws {
    let aborted = abortQueued(where: matches)
    var awaited = Set<Int>()
    for engine in engines.indices where engines[engine].state != .lost && !engines[engine].inFlight.isEmpty {
      var waiting: [Int] = []
      // Queued while in flight: sent, and not started as far as the hub knows.
      for job in engines[engine].inFlight.all where matches(job.taskID) {
        if table.state(of: job.taskID) == .queued { waiting.append(job.taskID) }
      }
      guard !waiting.isEmpty else { continue }
      try transmit(HubRequest.abort(taskIDs: waiting).encode(), to: engine)
      awaited.formUnion(waiting)
      if logsDecisions { RuntimeLog.hub.debug("abort notice to engine \(engine) for tasks \(waiting)") }
    }
    guard !awaited.isEmpty else {
      reply?.answer(aborted)
      return
    }
    abortsAwaited.formUnion(awaited)
    loop.pointee.pendingAborts.append(PendingAbort(reply: reply, aborted: aborted, awaited: awaited))
  }

  /// Removes matching queued jobs (load-balanced, and direct operations not
  /// started) and fails their slots as aborted.
  func abortQueued(where matches: (Int) -> Bool) -> [Int] {
    var aborted: [Int] = []
    for job in queue.removeAll(where: matches) {
      fail(job, with: ParallelError.aborted(taskID: job.taskID), state: .aborted)
      aborted.append(job.taskID)
    }
    blocked.removeAll { job in
      guard matches(job.taskID) else { return false }
      fail(job, with: ParallelError.aborted(taskID: job.taskID), state: .aborted)
      aborted.append(job.taskID)
      return true
    }
    directQueue.removeAll { operation in
      guard operation.jobs.contains(where: { matches($0.taskID) }) else { return false }
      for job in operation.jobs {
        fail(job, with: ParallelError.aborted(taskID: job.taskID), state: .aborted)
        aborted.append(job.taskID)
      }
      return true
    }
    return aborted.sorted()
  }

  /// Settles task `id` for the aborts waiting on it (`aborted`: its engine
  /// dropped it unstarted), and answers each that waits for nothing more.
  func settleAwaitedAbort(_ id: Int, aborted: Bool) {
    guard abortsAwaited.remove(id) != nil else { return }
    loop.pointee.pendingAborts.removeAll { pending in
      guard pending.awaited.remove(id) != nil else { return false }
      if aborted { pending.aborted.append(id) }
      guard pending.awaited.isEmpty else { return false }
      pending.reply?.answer(pending.aborted.sorted())
      return true
    }
  }

  /// An engine's reply saying it dropped `job` unstarted, as an abort
  /// notice asked: the task fails as aborted, naming no engine (it ran
  /// nowhere). False when a timeout had settled it already.
  func completeAborted(_ job: Job) -> Bool {
    completedSinceReview = true
    if timedOut.remove(job.taskID) != nil { return false }
    if logsDecisions {
      RuntimeLog.hub.debug("task \(job.taskID) aborted on engine \(job.engine) before it started")
    }
    job.engine = -1
    fail(job, with: ParallelError.aborted(taskID: job.taskID), state: .aborted)
    return true
  }

  /// Settles the aborts waiting on the tasks a lost engine held: those it
  /// sent back to the hub's queue are aborted there now; the others were
  /// failed with the engine.
  func settleAborts(ofLost held: [Job]) {
    var awaited = Set<Int>()
    for job in held where abortsAwaited.contains(job.taskID) { awaited.insert(job.taskID) }
    guard !awaited.isEmpty else { return }
    let dropped = Set(abortQueued(where: { awaited.contains($0) }))
    for id in awaited { settleAwaitedAbort(id, aborted: dropped.contains(id)) }
  }
}
