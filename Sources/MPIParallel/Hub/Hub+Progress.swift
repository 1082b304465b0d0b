import Foundation
import MPI
import Synchronization

/// The hub's loop, and how it is run: by the hub thread, or by a driver
/// thread that waits for a result. A waiting driver that runs the loop itself
/// sees its reply the moment it arrives, with no thread to wake on either side.
extension Hub {
  /// How a driver's offer to run the hub ended.
  enum HelpOutcome {
    /// What the driver waited for happened.
    case satisfied
    /// The deadline passed first.
    case timedOut
    /// Another driver thread runs the hub; wait to be woken instead.
    case busy
  }

  /// One pass over everything the hub does, handling `command` (a post
  /// from the thread holding the baton) after the inbox's. Call with the
  /// baton held. Returns whether anything moved.
  func iterate(handling command: Command? = nil) throws -> Bool {
    // Relaxed: a plain store on x86, so a pass costs nothing more. Ordering it
    // against the SIGTERM handler's store would take a locked instruction per
    // pass; without it, the thread that writes the journal on SIGTERM could in
    // principle miss a pass that began in the same instant as the signal.
    Termination.passRunning.store(true, ordering: .relaxed)
    defer { Termination.passRunning.store(false, ordering: .releasing) }
    guard !Termination.isRequested else {
      // Nothing moves once the job is ending; a command handed in waits with the others.
      if let command {
        inboxLock.withLock {
          inbox.append(command)
          hasMail.store(true, ordering: .releasing)
        }
      }
      return false
    }
    var progressed = false
    if hasMail.load(ordering: .acquiring) {
      // The inbox and a spare array trade places: taking the commands
      // allocates nothing.
      var commands: [Command] = []
      swap(&commands, &loop.pointee.spareInbox)
      inboxLock.withLock {
        swap(&commands, &inbox)
        hasMail.store(false, ordering: .relaxed)
      }
      progressed = !commands.isEmpty
      for command in commands { try handle(command) }
      commands.removeAll(keepingCapacity: true)
      swap(&commands, &loop.pointee.spareInbox)
    }
    if let command {
      try handle(command)
      progressed = true
    }
    if try receiveMessages() { progressed = true }
    if !sends.isEmpty, try progressSends() { progressed = true }
    if !collectives.isEmpty {
      _ = try progressCollectives()
      progressed = true
    }
    if !directQueue.isEmpty, try dispatchDirect() { progressed = true }
    if !blocked.isEmpty || !runDeadlines.isEmpty {
      let now = MonotonicClock.now()
      if reviewBlocked(now: now) { progressed = true }
      if expireRunningTasks(now: now) { progressed = true }
    }
    if !queue.isEmpty, try dispatchQueued() { progressed = true }
    if !heldForJournal.isEmpty, deliverWritten() { progressed = true }
    if loop.pointee.retirements > 0, try advanceRetirements() { progressed = true }
    if !loop.pointee.replacements.isEmpty, startDueReplacements() { progressed = true }
    if state != .running, try advanceShutdown() { progressed = true }
    return progressed
  }

  /// The hub thread: runs the loop until stopped, stepping aside while a
  /// driver thread runs it.
  func run() {
    var backoff = Backoff(now: MonotonicClock.now())
    var seenHelps = 0
    while true {
      // A driver runs the loop (or did within the last millisecond, and will
      // again after its next post): stay out of its way, without being woken.
      let helps = self.helps.load(ordering: .relaxed)
      if helpers.load(ordering: .acquiring) > 0 || helps != seenHelps {
        seenHelps = helps
        inboxLock.withLock { _ = inboxLock.wait(until: MonotonicClock.now() + 1e-3) }
        continue
      }
      baton.lock()
      let progressed = iterateOrAbort()
      let stopped = state == .stopped
      let expecting =
        inFlightCount > 0 || !sends.isEmpty || !collectives.isEmpty || !blocked.isEmpty || holdsResults
      baton.unlock()
      if stopped { return }
      let now = MonotonicClock.now()
      if progressed {
        backoff.reset(now: now)
      } else {
        idle(&backoff, now: now, expecting: expecting)
      }
    }
  }

  /// Runs the hub's loop on the calling driver thread until `isDone` holds or
  /// `deadline` passes; `.busy` when another thread holds the loop.
  func help(until isDone: () -> Bool, deadline: Double?) -> HelpOutcome {
    helpers.add(1, ordering: .acquiringAndReleasing)
    defer {
      helps.add(1, ordering: .relaxed)
      helpers.subtract(1, ordering: .acquiringAndReleasing)
    }
    var attempts = 0
    while !baton.tryLock() {
      attempts += 1
      if attempts > 200 { return .busy }
      if isDone() { return .satisfied }
      sched_yield()
    }
    defer { baton.unlock() }
    var backoff = Backoff(now: MonotonicClock.now())
    // While spinning, the clock is read once every 64 idle passes (a read
    // costs a fair part of a pass, and lengthens the wait for a reply);
    // activity is dated at the next read.
    var idlePasses = 0
    var spinning = true
    var active = false
    while true {
      if isDone() { return .satisfied }
      if let deadline, MonotonicClock.now() >= deadline { return .timedOut }
      if state == .stopped { return .busy }
      if iterateOrAbort() {
        active = true
        continue
      }
      idlePasses &+= 1
      if spinning && idlePasses & 63 != 0 { continue }
      let now = MonotonicClock.now()
      if active {
        backoff.reset(now: now)
        active = false
        spinning = true
      } else {
        spinning = idle(&backoff, now: now, until: deadline) == .spin
      }
    }
  }

  /// Waits before the next pass; with replies expected it never sleeps past a yield.
  @discardableResult
  private func idle(
    _ backoff: inout Backoff, now: Double, until deadline: Double? = nil, expecting: Bool = true
  ) -> Backoff.Action {
    let action = backoff.idle(now: now)
    switch action {
    case .spin: break
    case .yield: sched_yield()
    case .sleep where expecting: sched_yield()
    case .sleep(let seconds):
      let wake = min(now + seconds, deadline ?? .infinity)
      inboxLock.withLock {
        if inbox.isEmpty {
          runnerSleeping = true
          inboxLock.wait(until: wake)
          runnerSleeping = false
        }
      }
    }
    return action
  }

  /// An MPI error on the hub leaves results that can never complete: end the job.
  func iterateOrAbort(handling command: Command? = nil) -> Bool {
    do {
      return try iterate(handling: command)
    } catch {
      StandardStreams.writeError("MPIParallel: the hub failed: \(error); aborting the MPI job\n")
      MPI.abort(code: 3)
    }
  }
}
