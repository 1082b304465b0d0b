/// The journal from the driver: every task of this run and of earlier runs
/// on the same file (IPython's hub history and `get_result`).
extension Client {
  /// The journal this run writes (`--journal FILE`), for history queries
  /// (`record(taskID:)`, `records(state:function:run:limit:)`, `purge(before:)`);
  /// nil without one.
  public var journal: Journal? { hub.journal }

  /// The recorded values of a finished task (one for an apply, one per item
  /// of a map's chunk), decoded as `T`: from this run or, with `run`, an
  /// earlier one. nil when the journal has no successful record of it.
  public func recordedValues<T: Decodable>(of taskID: Int, run: Int? = nil, as type: T.Type = T.self) throws
    -> [T]?
  {
    guard let journal = hub.journal else {
      throw ParallelError.invalidArgument("no journal: start with --journal FILE")
    }
    guard let record = try journal.record(taskID: taskID, run: run ?? hub.journalRun),
      record.state == .succeeded,
      let reply = record.result
    else { return nil }
    return try record.values(as: type, reply: reply)
  }
}

extension JournalRecord {
  /// The values in a recorded reply: a chunk's count and values, or one value.
  func values<T: Decodable>(as type: T.Type, reply: [UInt8]) throws -> [T] {
    let label = "the recorded result of task \(taskID)"
    if let chunk = try? ResultContext.decodeCall(reply, batch: true, as: T.self, label: label),
      (try? EngineReply.payloadReader(of: reply)).map({ reader in
        var copy = reader
        _ = try? copy.read(UInt32.self)
        for _ in chunk { _ = try? copy.decode(T.self) }
        return copy.isAtEnd
      }) == true
    {
      return chunk
    }
    return try ResultContext.decodeCall(reply, batch: false, as: T.self, label: label)
  }
}
