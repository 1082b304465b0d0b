/// Where a task goes when it must run again: after a failure with retries
/// left, or after its functional dependency (`TaskFlags.dependsOn`) was unmet
/// on an engine.
enum RetryPolicy {
  /// The engines a retried task may run on: those it has not tried yet, in the
  /// order given, or all of `engines` when it has tried every one (a retry
  /// prefers a different engine where one exists, but never gives up for
  /// lack of one).
  static func candidates(engines: [Int], tried: Set<Int>) -> [Int] {
    let fresh = untried(engines: engines, tried: tried)
    return fresh.isEmpty ? engines : fresh
  }

  /// The engines a task whose functional dependency was unmet may still try:
  /// never twice the same engine. Empty when every engine has been tried, and
  /// the task then fails with an unmet-dependency error.
  static func untried(engines: [Int], tried: Set<Int>) -> [Int] {
    engines.filter { !tried.contains($0) }
  }

  /// Whether a task that has now failed `failures` times (1 after its first
  /// run fails) runs again under `retries`: it runs at most retries + 1 times,
  /// then ends with its last error.
  static func shouldRetry(failures: Int, retries: Int) -> Bool {
    failures <= retries
  }
}
