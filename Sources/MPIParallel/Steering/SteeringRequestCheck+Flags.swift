internal import MPIParallelSteering

/// The checks of a load-balanced submission's task flags, as they arrive
/// from a steering client, and their making into the hub's `TaskFlags`.
extension SteeringRequestCheck {
  /// The most retries one task may ask for: each is a run on an engine, so a
  /// task that always fails holds the job's engines this many times.
  static let mostRetries = 1000
  /// The most task ids one dependency may name: the hub looks through them
  /// each time it considers a waiting task.
  static let mostDependencyTasks = 10_000
  /// The longest timeout, in seconds (365 days), a flag may give; far longer
  /// than any job, and small enough for every clock's arithmetic.
  static let longestTaskTimeout = 31_536_000.0

  /// The hub's flags for `flags` (none: the defaults), each value checked
  /// first: retries 0 through `mostRetries`; timeouts finite, above 0 and at
  /// most `longestTaskTimeout` seconds; dependencies that accept success,
  /// failure or both and name at most `mostDependencyTasks` tasks, each an id
  /// the hub has given (1 through `knownTasks`). A bad value is a
  /// `badArguments` reply naming the flag; an id the hub has not given is
  /// `unknownTask`.
  static func taskFlags(_ flags: SteeringTaskFlags?, knownTasks: Int, in request: String) throws -> TaskFlags
  {
    guard let flags else { return TaskFlags() }
    var checked = TaskFlags()
    if let retries = flags.retries {
      guard retries >= 0, retries <= mostRetries else {
        throw failure(request, "retries must be 0 through \(mostRetries), not \(retries)")
      }
      checked.retries = retries
    }
    if let seconds = flags.timeout {
      checked.dependencyTimeout = try taskTimeout(seconds, flag: "timeout", in: request)
    }
    if let seconds = flags.runTimeout {
      checked.timeout = try taskTimeout(seconds, flag: "runTimeout", in: request)
    }
    if let after = flags.after {
      checked.after = try dependency(after, flag: "after", knownTasks: knownTasks, in: request)
    }
    if let follow = flags.follow {
      checked.follow = try dependency(follow, flag: "follow", knownTasks: knownTasks, in: request)
    }
    return checked
  }

  /// A timeout flag in seconds as a duration: finite, above 0, at most `longestTaskTimeout`.
  private static func taskTimeout(_ seconds: Double, flag: String, in request: String) throws -> Duration {
    let range = "more than 0 and at most \(Int(longestTaskTimeout)) seconds"
    guard seconds.isFinite, seconds > 0, seconds <= longestTaskTimeout else {
      throw failure(request, "\(flag) must be \(range), not \(seconds)")
    }
    let duration = Duration.seconds(seconds)
    guard duration > .zero else { throw failure(request, "\(flag) must be \(range), not \(seconds)") }
    return duration
  }

  /// A dependency flag as the hub's `Dependency`.
  private static func dependency(
    _ wire: MPIParallelSteering.Dependency, flag: String, knownTasks: Int, in request: String
  ) throws -> Dependency {
    guard wire.success || wire.failure else {
      throw failure(request, "\(flag) must accept success, failure or both; it accepts neither")
    }
    guard wire.taskIDs.count <= mostDependencyTasks else {
      throw failure(
        request,
        "\(flag) names \(wire.taskIDs.count) tasks; a dependency names at most \(mostDependencyTasks)")
    }
    if let bad = wire.taskIDs.filter({ $0 < 1 }).min() {
      throw failure(request, "\(flag) names task \(bad); task ids start at 1")
    }
    let unknown = wire.taskIDs.filter { $0 > knownTasks }
    if !unknown.isEmpty {
      throw SteeringFailure(
        "unknownTask",
        "\(request): \(flag) names \(Dependency.describe(unknown)), which this hub has not given; "
          + (knownTasks == 0 ? "it has no tasks yet" : "its tasks are 1...\(knownTasks)"))
    }
    return Dependency(
      wire.taskIDs, mode: wire.mode == .all ? .all : .any, success: wire.success, failure: wire.failure)
  }
}
