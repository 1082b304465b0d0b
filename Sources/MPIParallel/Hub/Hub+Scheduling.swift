import Foundation
import Logging

/// The scheduler's rules for tasks with flags: graph dependencies (after,
/// follow), required capabilities, functional dependencies, retries, run and
/// dependency timeouts. Tasks without flags never come here.
extension Hub {
  /// Where a flagged task stands.
  enum Admission {
    /// It may run on these engines.
    case allowed([Int])
    /// Its dependencies are not finished yet: it waits in `blocked`.
    case blocked
    /// It was failed (its slot is filled).
    case failed
  }

  /// Decides whether a flagged task can be scheduled now, and where. Its
  /// dependency timeout counts from when it was last queued in the hub.
  func admit(_ job: Job, _ flags: TaskFlags) -> Admission {
    if let timeout = flags.dependencyTimeout {
      let seconds = ResultContext.seconds(timeout)
      if MonotonicClock.now() - job.queuedAt > seconds {
        fail(job, with: ParallelError.dependencyTimeout(taskID: job.taskID, seconds: seconds), state: .failed)
        return .failed
      }
    }
    var allowed = job.targets.map(Set.init)
    if let after = flags.after, !after.isEmpty {
      switch DependencyRules.status(of: after, facts: table.facts(after.taskIDs)) {
      case .pending: return .blocked
      case .impossible(let reason): return impossible(job, reason)
      case .met: break
      }
    }
    if let follow = flags.follow, !follow.isEmpty {
      let (status, engines) = DependencyRules.placement(of: follow, facts: table.facts(follow.taskIDs))
      switch status {
      case .pending: return .blocked
      case .impossible(let reason): return impossible(job, reason)
      case .met:
        if let engines { allowed = allowed?.intersection(engines) ?? engines }
      }
      if allowed?.isEmpty == true {
        return impossible(job, "the tasks it follows ran on engines outside the view's targets")
      }
    }
    if !flags.requires.isEmpty {
      let capable = Set(roster.infos.filter { flags.requires.isSubset(of: $0.capabilities) }.map(\.id))
      allowed = allowed?.intersection(capable) ?? capable
      if allowed?.isEmpty == true {
        return unmet(
          job, "no engine it may run on advertises \(flags.requires.sorted().joined(separator: ", "))")
      }
    }
    var engines = allowed.map { $0.sorted() } ?? Array(self.engines.indices)
    if flags.dependsOn != nil || job.declined {
      engines = RetryPolicy.untried(engines: engines, tried: job.tried)
      if engines.isEmpty {
        let tried = job.tried.sorted().map(String.init).joined(separator: ", ")
        return unmet(
          job,
          flags.dependsOn.map { "dependency '\($0)' holds on none of engines \(tried)" }
            ?? "engines \(tried) declined it (UnmetDependency)")
      }
    } else if job.failures > 0 {
      engines = RetryPolicy.candidates(engines: engines, tried: job.tried)
    }
    return .allowed(engines)
  }

  private func impossible(_ job: Job, _ reason: String) -> Admission {
    if logsDecisions { RuntimeLog.hub.debug("task \(job.taskID) can never run: \(reason)") }
    fail(job, with: ParallelError.impossibleDependency(taskID: job.taskID, reason: reason), state: .failed)
    return .failed
  }

  private func unmet(_ job: Job, _ reason: String) -> Admission {
    if logsDecisions { RuntimeLog.hub.debug("task \(job.taskID) has no engine: \(reason)") }
    fail(job, with: ParallelError.unmetDependency(taskID: job.taskID, reason: reason), state: .failed)
    return .failed
  }

  /// Picks an engine among `candidates` with the task's scheme, or the cluster's.
  func select(_ scheme: SchemeName?, from candidates: [EngineLoad]) -> Int? {
    guard let scheme, scheme != clusterScheme else { return defaultScheme.select(from: candidates) }
    var chosen = schemes[scheme] ?? scheme.makeScheme(seed: Self.schemeSeed)
    defer { schemes[scheme] = chosen }
    return chosen.select(from: candidates)
  }

  /// The seed of the random schemes (fixed: runs are reproducible).
  static var schemeSeed: UInt64 { 0x4D50_4950_6172_616C }

  /// A reply for a flagged task that asks for another try: the engine declined
  /// it (functional dependency), or it failed with retries left. Returns
  /// whether the task was queued again.
  func retryIfWanted(_ job: Job, unmet: Bool, succeeded: Bool) -> Bool {
    guard let flags = job.flags, !succeeded else { return false }
    let failures = unmet ? job.failures : job.failures + 1
    guard unmet || RetryPolicy.shouldRetry(failures: failures, retries: flags.retries) else { return false }
    let engine = job.engine
    job.tried.insert(engine)
    if unmet { job.declined = true }
    job.failures = failures
    job.engine = -1
    if logsDecisions {
      RuntimeLog.hub.debug(
        "task \(job.taskID) \(unmet ? "declined by" : "failed on") engine \(engine); trying again (tried \(job.tried.sorted()))"
      )
    }
    table.markQueued(job.taskID)
    job.queuedAt = MonotonicClock.now()
    queue.pushFront(job)
    return true
  }

  /// A load-balanced task without flags that threw `UnmetDependency`: it goes
  /// back to the queue, from the request its engine sent back, as a task with
  /// default flags that only engines it has not tried may take (and fails
  /// with `ParallelError.unmetDependency` once every engine declined it).
  /// False when the reply carries no request (the task then fails as it is).
  func queueDeclined(_ job: Job, reply: [UInt8]) -> Bool {
    guard let request = EngineReply.declinedRequest(of: reply) else { return false }
    let retry = Job(
      taskID: job.taskID, message: request, result: job.result, slot: job.slot, targets: job.targets, engine: -1,
      loadBalanced: true, flags: SharedFlags(TaskFlags()), queuedAt: MonotonicClock.now())
    retry.tried = [job.engine]
    retry.declined = true
    retry.journalKey = job.journalKey
    if logsDecisions {
      RuntimeLog.hub.debug("task \(job.taskID) declined by engine \(job.engine); trying another engine")
    }
    table.markQueued(job.taskID)
    queue.pushFront(retry)
    return true
  }

  /// Sends blocked tasks whose dependencies moved back to the queue, and fails
  /// those past their dependency timeout. Runs after completions, and every
  /// few milliseconds for the timeouts.
  func reviewBlocked(now: Double) -> Bool {
    guard !blocked.isEmpty, completedSinceReview || now >= nextBlockedReview else { return false }
    completedSinceReview = false
    nextBlockedReview = now + 2e-3
    var waiting: [Job] = []
    var released: [Job] = []
    for job in blocked {
      guard let flags = job.flags else { continue }
      switch admit(job, flags) {
      case .blocked: waiting.append(job)
      case .failed: break
      case .allowed: released.append(job)
      }
    }
    blocked = waiting
    for job in released.reversed() { queue.pushFront(job) }
    return !released.isEmpty
  }

  /// Fails tasks running past their timeout; the engine finishes them, their
  /// late replies only free the engine.
  func expireRunningTasks(now: Double) -> Bool {
    guard let first = runDeadlines.first, now >= first.deadline else { return false }
    var expired = false
    runDeadlines.removeAll { entry in
      guard now >= entry.deadline else { return false }
      if !timedOut.contains(entry.taskID),
        let job = engines.lazy.compactMap({ $0.inFlight.job(taskID: entry.taskID) }).first
      {
        timedOut.insert(entry.taskID)
        table.markFinished(entry.taskID, state: .failed, started: 0, completed: MonotonicClock.wallNow())
        let sequence = record(
          job, state: .failed, reply: nil, engine: job.engine, error: "timed out after \(entry.seconds) s")
        deliver(
          job, engineID: job.engine,
          outcome: .failed(ParallelError.taskTimeout(taskID: entry.taskID, seconds: entry.seconds)),
          after: sequence)
        expired = true
      }
      return true
    }
    return expired
  }
}
