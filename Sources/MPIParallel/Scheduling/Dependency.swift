/// A graph dependency of a load-balanced task on other tasks, as IPython's
/// `Dependency`: used as `TaskFlags.after` (run only once they have finished)
/// or `TaskFlags.follow` (run on the engine where they ran).
///
/// - `mode`: `.all` waits for every task named, `.any` for at least one.
/// - `success`, `failure`: which outcomes satisfy it. The default accepts only
///   successes, so with `.all` the dependent task fails with an impossible
///   dependency as soon as one of its tasks fails. Accepting both waits for the
///   tasks to finish either way; accepting neither can never be met.
///
/// ```swift
/// let prepared = try view.apply(prepare, 1)
/// let flags = TaskFlags(after: Dependency(prepared.taskIDs), follow: Dependency(prepared.taskIDs))
/// ```
public struct Dependency: Sendable, Hashable, CustomStringConvertible {
  /// Whether every task named must finish acceptably, or one is enough.
  public enum Mode: Sendable {
    case all, any
  }

  /// The ids of the tasks depended on.
  public var taskIDs: Set<Int>
  /// `.all` (the default) or `.any` of `taskIDs`.
  public var mode: Mode
  /// Whether a task that succeeded satisfies the dependency (default true).
  public var success: Bool
  /// Whether a task that failed satisfies the dependency (default false).
  public var failure: Bool

  /// A dependency on `taskIDs` (duplicates are ignored).
  public init(_ taskIDs: some Sequence<Int>, mode: Mode = .all, success: Bool = true, failure: Bool = false) {
    self.taskIDs = Set(taskIDs)
    self.mode = mode
    self.success = success
    self.failure = failure
  }

  /// True when no task is named: the dependency is met at once and constrains nothing.
  public var isEmpty: Bool { taskIDs.isEmpty }

  /// Whether a task that finished with this outcome satisfies the dependency.
  public func accepts(succeeded: Bool) -> Bool {
    succeeded ? success : failure
  }

  /// `all of tasks 3, 5 (success)`, `any of task 9 (success or failure)`.
  public var description: String {
    let outcomes =
      switch (success, failure) {
      case (true, true): "success or failure"
      case (true, false): "success"
      case (false, true): "failure"
      case (false, false): "no outcome"
      }
    return "\(mode == .all ? "all" : "any") of \(Dependency.describe(taskIDs)) (\(outcomes))"
  }

  /// `task 3`, `tasks 3, 5, 9`, or the first eight and `...`, in increasing order.
  static func describe(_ ids: some Collection<Int>) -> String {
    let sorted = ids.sorted()
    let shown = sorted.prefix(8).map(String.init).joined(separator: ", ")
    return (sorted.count == 1 ? "task " : "tasks ") + shown + (sorted.count > 8 ? ", ..." : "")
  }
}
