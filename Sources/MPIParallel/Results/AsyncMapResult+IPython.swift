import Foundation

/// What IPython's `AsyncResult` reports beside its value: the value by
/// engine, times, progress, and one result per task.
extension AsyncMapResult {
  /// Engine id to value (IPython's `get_dict`), for results with one task
  /// per engine: a DirectView's `apply`, its `pull`. Blocks as `get` does;
  /// throws `ParallelError.invalidArgument` when one engine ran several tasks
  /// or a task computed several items (a map: use `get()`).
  public func getDict(timeout: Duration? = nil) throws -> [Int: Element] {
    let values = try get(timeout: timeout)
    let tasks = state.snapshot().map { (taskID: $0.taskID, engineID: $0.engineID, items: $0.items) }
    return try ResultSummary.dictionary(label: state.label, tasks: tasks, values: values)
  }

  /// Seconds from submission to the last task's completion (IPython's
  /// `wall_time`); nil until every task has finished.
  public var wallTime: Double? { isReady ? ResultSummary.wallTime(metadata) : nil }

  /// The tasks' run times on their engines, added up (IPython's
  /// `serial_time`): `serialTime / wallTime` is the speed-up; nil until
  /// every task has finished.
  public var serialTime: Double? { isReady ? ResultSummary.serialTime(metadata) : nil }

  /// Seconds since submission, or the wall time once finished (IPython's `elapsed`).
  public var elapsed: Double { ResultSummary.elapsed(metadata, ready: isReady) }

  /// How many items are done, of `count` (IPython's `progress`): a map's
  /// items, a chunk counting all of its own once it finished.
  public var progress: Int { state.completedItems }

  /// One result per task (IPython's `split`), in task order: each holds its
  /// task's values (one for a DirectView's `apply`, a chunk's for a map),
  /// waits only for that task, and aborts only it.
  public func split() -> [AsyncResult<[Element]>] {
    (0..<state.slotCount).map { slot in
      AsyncResult(state: state, context: context, slot: slot) { _, _ in
        switch self.values(ofSlot: slot) {
        case .success(let values): return values
        case .failure(let error as CompositeError) where error.failures.count == 1: throw error.failures[0]
        case .failure(let error): throw error
        }
      }
    }
  }
}

extension AsyncResult {
  /// Engine id to value (IPython's `get_dict`): the one engine that ran the
  /// task. Blocks as `get` does; throws when the task ran on no engine or
  /// the result covers several tasks (a push, a gather: their tasks ran on
  /// each engine, with one value for all).
  public func getDict(timeout: Duration? = nil) throws -> [Int: Value] {
    let value = try get(timeout: timeout)
    let label = state.label
    let tasks = onlySlot >= 0 ? [state.slot(onlySlot)] : state.snapshot()
    guard tasks.count == 1 else {
      throw ParallelError.invalidArgument(
        "getDict of \(label): its one value comes from \(tasks.count) tasks; use get()")
    }
    return try ResultSummary.dictionary(
      label: label, tasks: [(tasks[0].taskID, tasks[0].engineID, 0..<1)], values: [value])
  }

  /// Seconds from submission to completion (IPython's `wall_time`); nil until finished.
  public var wallTime: Double? { isReady ? ResultSummary.wallTime(metadata) : nil }

  /// The run time on the engine(s), added up (IPython's `serial_time`); nil until finished.
  public var serialTime: Double? { isReady ? ResultSummary.serialTime(metadata) : nil }

  /// Seconds since submission, or the wall time once finished (IPython's `elapsed`).
  public var elapsed: Double { ResultSummary.elapsed(metadata, ready: isReady) }
}
