import Foundation

/// What the journal knows of one task: the hub appends one when a task
/// finishes (succeeded, failed or aborted; queued and running tasks are not
/// journaled), and history queries return them.
public struct JournalRecord: Sendable, Equatable {
  /// Which run of the program wrote it (1, 2, ...; see `Journal.beginRun()`).
  public var run: Int
  /// The task's id in that run.
  public var taskID: Int
  /// The remote function, or the namespace operation (`push`, `scatter('a')`, ...).
  public var function: String
  /// The stable key of the function and arguments; nil for namespace
  /// operations and direct calls that are not resumable.
  public var key: TaskKey?
  /// The engine that ran it (nil when it never reached one).
  public var engineID: Int?
  /// `succeeded`, `failed` or `aborted`.
  public var state: TaskState
  public var submitted: Date
  public var started: Date?
  public var completed: Date?
  /// The error's text, for failures.
  public var error: String?
  /// The engine's reply bytes, kept for successes: what a resumed run reuses.
  public var result: [UInt8]?

  public init(
    run: Int, taskID: Int, function: String, key: TaskKey? = nil, engineID: Int? = nil, state: TaskState,
    submitted: Date, started: Date? = nil, completed: Date? = nil, error: String? = nil,
    result: [UInt8]? = nil
  ) {
    self.run = run
    self.taskID = taskID
    self.function = function
    self.key = key
    self.engineID = engineID
    self.state = state
    self.submitted = submitted
    self.started = started
    self.completed = completed
    self.error = error
    self.result = result
  }
}
