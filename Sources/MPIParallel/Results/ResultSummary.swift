import Foundation

/// What IPython's results report about their tasks, computed from their
/// metadata: pure functions, tested without MPI.
enum ResultSummary {
  /// Engine id to value, one task per engine (IPython's `get_dict`).
  /// `tasks` holds each task's engine and its items; refused when a task
  /// covers other than one item (a map's chunk) or one engine ran several.
  static func dictionary<Value>(
    label: String, tasks: [(taskID: Int, engineID: Int?, items: Range<Int>)], values: [Value]
  ) throws -> [Int: Value] {
    var byEngine: [Int: (taskID: Int, value: Value)] = [:]
    for task in tasks {
      guard task.items.count == 1 else {
        throw ParallelError.invalidArgument(
          "getDict of \(label): task \(task.taskID) computed \(task.items.count) items, not one; use get()")
      }
      guard let engine = task.engineID else {
        throw ParallelError.invalidArgument("getDict of \(label): task \(task.taskID) ran on no engine")
      }
      if let earlier = byEngine[engine] {
        throw ParallelError.invalidArgument(
          "getDict of \(label): engine \(engine) ran several tasks (\(earlier.taskID) and \(task.taskID)); use get()"
        )
      }
      byEngine[engine] = (task.taskID, values[task.items.lowerBound])
    }
    return byEngine.mapValues(\.value)
  }

  /// Seconds from the first submission to the last completion (IPython's
  /// `wall_time`); a task that never ran counts by its submission. Nil
  /// for no tasks.
  static func wallTime(_ metadata: [TaskMetadata]) -> Double? {
    guard let first = metadata.map(\.submitted).min() else { return nil }
    let last = metadata.map { $0.completed ?? $0.submitted }.max()!
    return Swift.max(0, last.timeIntervalSince(first))
  }

  /// The sum of the tasks' run times on their engines (IPython's
  /// `serial_time`: what the work would take on one engine).
  static func serialTime(_ metadata: [TaskMetadata]) -> Double {
    metadata.reduce(0) { $0 + ($1.elapsed ?? 0) }
  }

  /// Seconds since the first submission: until `now` while tasks are
  /// pending, the wall time once all finished (IPython's `elapsed`).
  static func elapsed(_ metadata: [TaskMetadata], ready: Bool, now: Date = Date()) -> Double {
    if ready, let wall = wallTime(metadata) { return wall }
    guard let first = metadata.map(\.submitted).min() else { return 0 }
    return Swift.max(0, now.timeIntervalSince(first))
  }
}
