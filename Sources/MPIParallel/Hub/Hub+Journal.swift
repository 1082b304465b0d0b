import Foundation

extension JournalKey {
  /// Where the hashed part of a request starts: after its kind and task id.
  static var hashedFrom: Int { 9 }

  /// Whether `bytes` is a call request long enough to carry a function name.
  static func isCall(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { isCall($0) }
  }

  static func isCall(_ raw: UnsafeRawBufferPointer) -> Bool {
    guard let kind = raw.first else { return false }
    return (kind == HubRequest.Kind.call.rawValue || kind == HubRequest.Kind.batch.rawValue)
      && raw.count >= 13
  }

  /// Only the hash part of a call request's key (what an engine's crash marker needs).
  static func hash(ofRequest bytes: [UInt8]) -> TaskKey? {
    guard isCall(bytes) else { return nil }
    return bytes.withUnsafeBytes { TaskKey.of(UnsafeRawBufferPointer(rebasing: $0[hashedFrom...])) }
  }
}

/// The hub's use of the journal: every finished task is recorded; a task whose
/// function and arguments already succeeded in an earlier run is answered from
/// the journal instead of running; one that crashed its engine twice is
/// quarantined.
extension Hub {
  /// Answers a load-balanced task from the journal, or fails it when it is
  /// quarantined; returns whether the task is settled (nothing to send).
  /// The dispatch asks only while the journal `settles`.
  func settleFromJournal(_ job: Job) -> Bool {
    // A job with its key was looked up already (one put back in the queue,
    // or a retry): the journal did not settle it then, and it does not
    // change during a run.
    guard job.journalKey == nil, let key = loop.pointee.journalKeys.key(ofRequest: job.message)
    else { return false }
    job.journalKey = key
    if let recorded = resumable[key] {
      let header = try? EngineReply(header: recorded)
      table.markFinished(
        job.taskID, state: .succeeded, started: header?.started ?? 0, completed: header?.completed ?? 0)
      let sequence = record(job, state: .succeeded, reply: recorded, engine: nil)
      if logsDecisions {
        RuntimeLog.hub.debug("task \(job.taskID) answered from the journal (\(key.function))")
      }
      deliver(job, engineID: nil, outcome: .reply(recorded), after: sequence)
      return true
    }
    if let crashes = crashCounts[key], crashes >= Self.quarantineAfter {
      fail(
        job,
        with: ParallelError.quarantined(
          taskID: job.taskID,
          reason: "'\(key.function)' with these arguments crashed its engine in \(crashes) runs in a row"),
        state: .failed)
      return true
    }
    return false
  }

  /// Whether the journal can settle a task without an engine: it holds
  /// results of earlier runs, or crash counts. (Otherwise the queue waits
  /// for room on an engine, as without a journal.)
  var settles: Bool { journal != nil && (!resumable.isEmpty || !crashCounts.isEmpty) }

  /// Crashes in a row after which a task is quarantined.
  static var quarantineAfter: Int { 2 }

  /// Hands a finished task's outcome to the driver: at once without a
  /// journal; with one, once the task's record (`sequence`) is written, so
  /// that every result the driver sees survives the job being killed.
  func deliver(_ job: Job, engineID: Int?, outcome: ResultState.Outcome, after sequence: Int?) {
    guard let sequence, journal != nil else {
      job.result.complete(slot: job.slot, engineID: engineID, outcome: outcome)
      return
    }
    heldForJournal.append(
      HeldResult(sequence: sequence, result: job.result, slot: job.slot, engineID: engineID, outcome: outcome)
    )
  }

  /// Delivers the held outcomes whose records are written; hurries the
  /// writer when the oldest has waited a few milliseconds. True when any was delivered.
  func deliverWritten() -> Bool {
    guard let journal, heldHead < heldForJournal.count else { return false }
    let written = journal.writtenCount
    guard heldForJournal[heldHead].sequence <= written else {
      hurryWhenLate(journal)
      return false
    }
    // Read in place: no copy (and retain) of each held outcome.
    heldHead = loop.pointee.heldForJournal.withUnsafeBufferPointer { held in
      var head = loop.pointee.heldHead
      while head < held.count && held[head].sequence <= written {
        held[head].result.complete(
          slot: held[head].slot, engineID: held[head].engineID, outcome: held[head].outcome)
        head += 1
      }
      return head
    }
    if heldHead == heldForJournal.count {
      heldForJournal.removeAll(keepingCapacity: true)
      heldHead = 0
    }
    return true
  }

  /// Hurries the writer, once per outcome at the front of those held: at
  /// once when no task is out or queued (no more records are coming to
  /// share its batch), else when it has waited 5 ms at the front. The clock
  /// is read when an outcome comes to the front and then every 64th pass,
  /// not on every pass: in a farm most passes find the front still waiting,
  /// a few hundred nanoseconds after the last.
  private func hurryWhenLate(_ journal: Journal) {
    let front = heldForJournal[heldHead].sequence
    if loop.pointee.heldFront != front {
      loop.pointee.heldFront = front
      loop.pointee.heldFrontSince = MonotonicClock.now()
      loop.pointee.heldFrontHurried = false
    }
    guard !loop.pointee.heldFrontHurried else { return }
    loop.pointee.heldPolls &+= 1
    if inFlightCount == 0 && queue.isEmpty
      || loop.pointee.heldPolls & 63 == 0 && MonotonicClock.now() - loop.pointee.heldFrontSince > 5e-3
    {
      journal.hurry()
      loop.pointee.heldFrontHurried = true
    }
  }

  /// Outcomes waiting for their journal records to be written.
  var holdsResults: Bool { heldHead < heldForJournal.count }

  /// Appends a finished task to the journal, packing `reply` (kept for a
  /// success) as it is; `header`: the reply's, when the caller has parsed
  /// it. Returns its sequence number (nil without a journal).
  @discardableResult
  func record(
    _ job: Job, state: TaskState, reply: [UInt8]?, header: EngineReply? = nil, engine: Int?,
    error: String? = nil
  ) -> Int? {
    guard let journal else { return nil }
    let key = job.journalKey ?? loop.pointee.journalKeys.key(ofRequest: job.message)
    let header = header ?? reply.flatMap { try? EngineReply(header: $0) }
    var message = error
    if message == nil, let reply, header?.succeeded == false,
      let fields = try? EngineReply.errorFields(of: reply)
    {
      message = "\(fields.type): \(fields.message)"
    }
    let function = key?.function ?? table.function(of: job.taskID)
    let since2001 = Date.timeIntervalBetween1970AndReferenceDate
    let completed = header.map { $0.completed - since2001 } ?? Date().timeIntervalSinceReferenceDate
    return journal.enqueue { batch in
      batch.append(
        run: journalRun, taskID: job.taskID, function: function, key: key?.key, engineID: engine,
        state: state,
        submitted: job.result.submitted - since2001, started: header.map { $0.started - since2001 },
        completed: completed, error: message, result: state == .succeeded ? reply : nil)
    }
  }
}

/// A finished task's outcome waiting until its journal record is written.
struct HeldResult {
  let sequence: Int
  let result: ResultState
  let slot: Int
  let engineID: Int?
  let outcome: ResultState.Outcome
}
