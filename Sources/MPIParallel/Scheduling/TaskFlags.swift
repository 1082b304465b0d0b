/// How the hub schedules a load-balanced task, as IPython's task flags: set on
/// a view, per call, or for a block; per-call flags override the view's
/// (`merged(with:)`).
///
/// ```swift
/// var flags = TaskFlags(retries: 2, requires: ["gpu"])
/// flags.after = Dependency(earlier.taskIDs)
/// ```
public struct TaskFlags: Sendable, Equatable {
  /// Run only after these tasks have finished (time dependency).
  public var after: Dependency?
  /// Run on the engine where these tasks ran (location dependency).
  public var follow: Dependency?
  /// How long the task may run once started (counted from its start on the
  /// engine, not from when it was sent there); then the caller gets a task
  /// timeout error (the engine cannot be stopped mid-task; its late result is
  /// dropped). Not IPython's `timeout` flag: that one is `dependencyTimeout`.
  public var timeout: Duration?
  /// How long the task may wait in the hub to be scheduled (its dependencies
  /// met and an engine free); then it fails with a dependency timeout error.
  /// IPython's `timeout` flag. Each attempt counts on its own: a task queued
  /// again for a retry waits afresh, not charged for its earlier run.
  public var dependencyTimeout: Duration?
  /// How many times a failed task is run again, on a different engine where
  /// one exists (default 0). After the last retry it fails with its last error.
  public var retries: Int
  /// Capabilities the engine must have registered, e.g. `["gpu"]` (IPython's
  /// `@require`, by name). Empty: any engine.
  public var requires: Set<String>
  /// The name of a registered `RemoteFunction` `() -> Bool` evaluated on the
  /// engine before the task (IPython's `@depend`): false sends the task to an
  /// engine it has not tried; when none is left it fails with an unmet
  /// dependency error.
  public var dependsOn: String?
  /// The scheme for this view or call; nil: the cluster's.
  public var scheme: SchemeName?
  /// The estimated cost of the task (any unit, the same across tasks), for
  /// longest-first scheduling. Maps take a costs array instead.
  public var cost: Double?

  /// Flags; every default leaves scheduling as the cluster's.
  public init(
    after: Dependency? = nil, follow: Dependency? = nil, timeout: Duration? = nil,
    dependencyTimeout: Duration? = nil, retries: Int = 0, requires: Set<String> = [],
    dependsOn: String? = nil, scheme: SchemeName? = nil, cost: Double? = nil
  ) {
    self.after = after
    self.follow = follow
    self.timeout = timeout
    self.dependencyTimeout = dependencyTimeout
    self.retries = retries
    self.requires = requires
    self.dependsOn = dependsOn
    self.scheme = scheme
    self.cost = cost
  }

  /// Checks the flags on their own (whether the tasks named exist and whether
  /// they form a cycle is checked by the hub).
  ///
  /// - Throws: `ParallelError.invalidArgument` for negative retries, a zero or
  ///   negative timeout, a negative or non-finite cost, an empty capability or
  ///   `dependsOn` name, or a dependency that accepts neither success nor failure.
  public func validate() throws {
    if retries < 0 {
      throw ParallelError.invalidArgument("retries must be 0 or more, got \(retries)")
    }
    if let timeout, timeout <= .zero {
      throw ParallelError.invalidArgument("timeout must be positive, got \(timeout)")
    }
    if let dependencyTimeout, dependencyTimeout <= .zero {
      throw ParallelError.invalidArgument("dependencyTimeout must be positive, got \(dependencyTimeout)")
    }
    if let cost, !cost.isFinite || cost < 0 {
      throw ParallelError.invalidArgument("cost must be finite and 0 or more, got \(cost)")
    }
    if requires.contains(where: { $0.allSatisfy(\.isWhitespace) }) {
      throw ParallelError.invalidArgument("capability names in requires must not be empty")
    }
    if let dependsOn, dependsOn.allSatisfy(\.isWhitespace) {
      throw ParallelError.invalidArgument("dependsOn must name a registered function, got an empty name")
    }
    for (label, dependency) in [("after", after), ("follow", follow)] {
      if let dependency, !dependency.success, !dependency.failure {
        throw ParallelError.invalidArgument(
          "the \(label) dependency must accept success, failure or both; it accepts neither")
      }
    }
  }

  /// These flags with every field of `other` that differs from its default
  /// (non-nil, retries not 0, requires not empty) taking precedence: per-call
  /// flags over view flags, block flags over view flags.
  ///
  /// A default in `other` never clears a value here: a call cannot set
  /// retries back to 0 when its view retries; use a view without them.
  public func merged(with other: TaskFlags) -> TaskFlags {
    var result = self
    if let after = other.after { result.after = after }
    if let follow = other.follow { result.follow = follow }
    if let timeout = other.timeout { result.timeout = timeout }
    if let dependencyTimeout = other.dependencyTimeout { result.dependencyTimeout = dependencyTimeout }
    if other.retries != 0 { result.retries = other.retries }
    if !other.requires.isEmpty { result.requires = other.requires }
    if let dependsOn = other.dependsOn { result.dependsOn = dependsOn }
    if let scheme = other.scheme { result.scheme = scheme }
    if let cost = other.cost { result.cost = cost }
    return result
  }
}
