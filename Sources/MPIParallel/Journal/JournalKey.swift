/// A task's function and the key of its arguments: what resume and
/// quarantine match on (`Journal.completedResults()`, `Journal.crashCounts()`).
public struct JournalKey: Hashable, Sendable {
  public let function: String
  public let key: TaskKey

  public init(function: String, key: TaskKey) {
    self.function = function
    self.key = key
  }
}
