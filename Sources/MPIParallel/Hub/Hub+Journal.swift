import Foundation

extension JournalKey {
  /// The key of a call request (kind, task id, function name, types, count,
  /// arguments): the function's name and a hash of everything after the task
  /// id, so the same call in another run has the same key. nil for other requests.
  static func of(request bytes: [UInt8]) -> JournalKey? {
    guard let kind = bytes.first,
      kind == HubRequest.Kind.call.rawValue || kind == HubRequest.Kind.batch.rawValue, bytes.count >= 13
    else { return nil }
    return bytes.withUnsafeBytes { raw -> JournalKey? in
      let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt32.self)))
      guard 13 + length <= raw.count else { return nil }
      let function = String(
        decoding: UnsafeRawBufferPointer(rebasing: raw[13..<(13 + length)]), as: UTF8.self)
      return JournalKey(function: function, key: TaskKey.of(UnsafeRawBufferPointer(rebasing: raw[9...])))
    }
  }
}

/// The hub's use of the journal: every finished task is recorded; a task whose
/// function and arguments already succeeded in an earlier run is answered from
/// the journal instead of running; one that crashed its engine twice is
/// quarantined.
extension Hub {
  /// Answers a load-balanced task from the journal, or fails it when it is
  /// quarantined; returns whether the task is settled (nothing to send).
  func settleFromJournal(_ job: inout Job) -> Bool {
    guard journal != nil, let key = JournalKey.of(request: job.message) else { return false }
    job.journalKey = key
    if let recorded = resumable[key] {
      let header = try? EngineReply(header: recorded)
      table.markFinished(
        job.taskID, state: .succeeded, started: header?.started ?? 0, completed: header?.completed ?? 0)
      record(job, state: .succeeded, reply: recorded, engine: nil)
      if logsDecisions {
        RuntimeLog.hub.debug("task \(job.taskID) answered from the journal (\(key.function))")
      }
      job.result.complete(slot: job.slot, engineID: nil, outcome: .reply(recorded))
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

  /// Crashes in a row after which a task is quarantined.
  static var quarantineAfter: Int { 2 }

  /// Appends a finished task to the journal (nothing without one).
  func record(_ job: Job, state: TaskState, reply: [UInt8]?, engine: Int?, error: String? = nil) {
    guard let journal else { return }
    let key = job.journalKey ?? JournalKey.of(request: job.message)
    let header = reply.flatMap { try? EngineReply(header: $0) }
    var message = error
    if message == nil, let reply, header?.succeeded == false,
      let fields = try? EngineReply.errorFields(of: reply)
    {
      message = "\(fields.type): \(fields.message)"
    }
    journal.append(
      JournalRecord(
        run: journalRun, taskID: job.taskID, function: key?.function ?? table.function(of: job.taskID),
        key: key?.key, engineID: engine, state: state,
        submitted: Date(timeIntervalSince1970: job.result.submitted),
        started: header.map { Date(timeIntervalSince1970: $0.started) },
        completed: header.map { Date(timeIntervalSince1970: $0.completed) } ?? Date(),
        error: message, result: state == .succeeded ? reply : nil))
  }
}
