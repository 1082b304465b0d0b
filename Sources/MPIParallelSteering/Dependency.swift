/// A load-balanced task's dependency on tasks submitted earlier, as the
/// in-job `Dependency` and IPython's: used as `TaskFlags.after` (run only
/// once they have finished) or `TaskFlags.follow` (run on the engine where
/// they ran).
///
/// - `mode`: `.all` waits for every task named, `.any` for at least one.
/// - `success`, `failure`: which outcomes satisfy it. The default accepts
///   only successes, so with `.all` the dependent task fails with an
///   impossible dependency as soon as one of its tasks fails.
///
/// ```swift
/// let prepared = lview.apply("prepare", 1, as: Int.self)
/// let next = lview.with(TaskFlags(after: Dependency(prepared))).apply("step", 2, as: Int.self)
/// ```
///
/// On the wire it is `{"tasks": [ids], "all": true, "success": true,
/// "failure": false}`; `all`, `success` and `failure` may be left out for
/// their defaults.
public struct Dependency: Codable, Sendable, Hashable, CustomStringConvertible {
  /// Whether every task named must finish acceptably, or one is enough.
  public enum Mode: Sendable, Hashable {
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

  /// `all of tasks 3, 5 (success)`.
  public var description: String {
    let outcomes =
      switch (success, failure) {
      case (true, true): "success or failure"
      case (true, false): "success"
      case (false, true): "failure"
      case (false, false): "no outcome"
      }
    let ids = taskIDs.sorted()
    return
      "\(mode == .all ? "all" : "any") of tasks \(ids.map(String.init).joined(separator: ", ")) (\(outcomes))"
  }

  private enum CodingKeys: String, CodingKey {
    case tasks, all, success, failure
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    taskIDs = Set(try container.decode([Int].self, forKey: .tasks))
    mode = (try container.decodeIfPresent(Bool.self, forKey: .all) ?? true) ? .all : .any
    success = try container.decodeIfPresent(Bool.self, forKey: .success) ?? true
    failure = try container.decodeIfPresent(Bool.self, forKey: .failure) ?? false
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(taskIDs.sorted(), forKey: .tasks)
    try container.encode(mode == .all, forKey: .all)
    try container.encode(success, forKey: .success)
    try container.encode(failure, forKey: .failure)
  }
}
