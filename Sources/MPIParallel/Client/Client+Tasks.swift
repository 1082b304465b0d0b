import Foundation

/// Tasks by id, as IPython's client reaches them (`get_result`, `resubmit`,
/// `clear`), and the client as a sequence of its engines.
extension Client {
  /// A handle on task `id`, submitted earlier (IPython's `get_result`): it
  /// waits for the task and gives its values (one for an apply, a chunk's
  /// for a map's task), or throws its error.
  ///
  /// The hub finds a task that has not finished, whatever submitted it, and
  /// a load-balanced task whose result the driver still holds; a finished
  /// one otherwise comes from the journal (`--journal FILE`). Throws
  /// `ParallelError.invalidArgument` for an unknown id, a finished task
  /// found nowhere, or a namespace operation (push, scatter, gather).
  public func result<T: Codable & Sendable>(taskID id: Int, as type: T.Type = T.self) throws
    -> AsyncResult<[T]>
  {
    guard let state = hub.table.state(of: id) else {
      throw ParallelError.invalidArgument("no task \(id): ids run from 1 to \(hub.table.count)")
    }
    if let entry = submissions.entry(holding: id) {
      return Self.handle(state: entry.state, slot: id - entry.taskIDs.lowerBound, context: context, as: type)
    }
    if let location = try hub.location(of: id) {
      return Self.handle(state: location.state, slot: location.slot, context: context, as: type)
    }
    if let journal = hub.journal, let record = try journal.record(taskID: id, run: hub.journalRun) {
      return Self.handle(record: record, context: context, as: type)
    }
    throw ParallelError.invalidArgument(
      "task \(id) has \(state.rawValue) and its values are kept only by the result it was submitted with; start with --journal FILE to read finished tasks by id"
    )
  }

  /// Runs finished load-balanced tasks again as new tasks (IPython's
  /// `resubmit`), whose results the driver still holds; one result per id,
  /// in the order given (each holds its task's values, as `split()`). A
  /// task still pending is refused (`ParallelError.invalidArgument`, as
  /// IPython's "You cannot resubmit a task that is pending"), as is one
  /// that is not load-balanced or whose result was released, or `T` other
  /// than its function's result type; nothing is submitted then.
  public func resubmit<T: Codable & Sendable>(taskIDs ids: [Int], as type: T.Type = T.self) throws
    -> [AsyncResult<[T]>]
  {
    var groups: [(entry: ResubmitRegistry.Entry, ids: [Int])] = []
    for id in ids {
      guard let state = hub.table.state(of: id) else { throw ParallelError.invalidArgument("no task \(id)") }
      if state == .queued || state == .running {
        throw ParallelError.invalidArgument("cannot resubmit task \(id): it is pending (\(state.rawValue))")
      }
      guard let entry = submissions.entry(holding: id) else {
        throw ParallelError.invalidArgument(
          "cannot resubmit task \(id): only load-balanced tasks whose results are still held can be")
      }
      guard entry.typeName == Wire.typeName(T.self) else {
        throw ParallelError.invalidArgument(
          "task \(id) returns \(entry.typeName), not \(Wire.typeName(T.self))")
      }
      if let index = groups.firstIndex(where: { $0.entry.taskIDs == entry.taskIDs }) {
        groups[index].ids.append(id)
      } else {
        groups.append((entry, [id]))
      }
    }
    var byID: [Int: AsyncResult<[T]>] = [:]
    for (entry, group) in groups {
      let first = entry.taskIDs.lowerBound
      guard let fresh = try entry.resubmit(group.map { $0 - first }) as? AsyncMapResult<T> else {
        throw ParallelError.invalidArgument("tasks \(group) do not return \(Wire.typeName(T.self))")
      }
      for (id, part) in zip(group, fresh.split()) { byID[id] = part }
    }
    return ids.map { byID[$0]! }
  }

  /// Empties the namespaces of `targets` (every engine up when nil), as
  /// IPython's `clear`: each engine answers how many names it removed.
  @discardableResult
  public func clear(targets: [Int]? = nil) -> AsyncMapResult<Int> {
    directView(targets: targets).apply(RuntimeFunctions.clear)
  }

  /// The values of `state`'s slot `slot`, decoded as `T`, as a result of their own.
  static func handle<T: Codable & Sendable>(
    state: ResultState, slot: Int, context: ResultContext, as type: T.Type
  ) -> AsyncResult<[T]> {
    AsyncResult(state: state, context: context, slot: slot) { state, context in
      let info = state.slot(slot)
      let label = state.label
      switch info.outcome {
      case nil: throw ParallelError.invalidArgument("task \(info.taskID) has not finished")
      case .failed(let error): throw error
      case .decoded:
        guard let replies = state.replies as? TypedReplies<T> else {
          throw ParallelError.decodingFailed(
            what: "the result of task \(info.taskID) (\(label))", expected: Wire.typeName(T.self),
            reason: "its values are of another type")
        }
        return Array(replies.values(info.items))
      case .reply(let bytes):
        guard try EngineReply(header: bytes).succeeded else { throw context.remoteError(reply: bytes, slot: info) }
        if label.hasPrefix("map(") { return try ResultContext.decodeCall(bytes, batch: true, as: T.self, label: label) }
        if label.hasPrefix("apply(") {
          return try ResultContext.decodeCall(bytes, batch: false, as: T.self, label: label)
        }
        throw ParallelError.invalidArgument("task \(info.taskID) is \(label), not a call: read it through its own result")
      case .gathered:
        throw ParallelError.invalidArgument("task \(info.taskID) is part of \(label): read it through its own result")
      }
    }
  }

  /// A finished task's values from its journal record.
  static func handle<T: Codable & Sendable>(record: JournalRecord, context: ResultContext, as type: T.Type)
    -> AsyncResult<[T]>
  {
    let state = ResultState(label: record.function, taskIDs: record.taskID..<(record.taskID + 1))
    let info = context.engines.indices.contains(record.engineID ?? -1) ? context.engines[record.engineID!] : nil
    switch (record.state, record.result) {
    case (.succeeded, let reply?): state.complete(slot: 0, engineID: record.engineID, outcome: .reply(reply))
    case (.aborted, _):
      state.complete(slot: 0, engineID: nil, outcome: .failed(ParallelError.aborted(taskID: record.taskID)))
    default:
      let error = RemoteError(
        engineID: record.engineID ?? -1, rank: info?.rank ?? -1, host: info?.host ?? "?", function: record.function,
        taskID: record.taskID, errorType: "RemoteError", message: record.error ?? "failed")
      state.complete(slot: 0, engineID: record.engineID, outcome: .failed(error))
    }
    return AsyncResult(state: state, context: context, slot: 0) { state, _ in
      guard case .reply(let reply) = state.slot(0).outcome else { return [] }
      return try record.values(as: T.self, reply: reply)
    }
  }
}

extension Client: Sequence {
  /// The engines up, one view each, in id order (`for engine in client`,
  /// as iterating IPython's client).
  public func makeIterator() -> IndexingIterator<[EngineView]> { ids.map { self[$0] }.makeIterator() }
}
