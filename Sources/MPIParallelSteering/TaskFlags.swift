/// How the hub schedules a steering client's load-balanced tasks, spelled as
/// the in-job `TaskFlags`: set on a view (`lview.with(flags)`), for one
/// call (`lview.with(flags).apply(...)`) or for a block
/// (`lview.withFlags(flags) { view in ... }`); the flags of a call override
/// the view's (`merged(with:)`).
///
/// ```swift
/// let prepared = lview.apply("prepare", 1, as: Int.self)
/// let flags = TaskFlags(after: Dependency(prepared), dependencyTimeout: .seconds(30), retries: 2)
/// let next = lview.with(flags).apply("step", 2, as: Int.self)
/// ```
///
/// The hub checks them when the call arrives: negative retries, a timeout
/// that is not positive, a dependency on a task id it does not know, and
/// more than it takes (see "Steering a running job" in the MPIParallel
/// documentation) are refused with a `SteeringError.hub` naming the flag.
public struct TaskFlags: Sendable, Equatable {
  /// Run only after these tasks have finished (time dependency).
  public var after: Dependency?
  /// Run on the engine where these tasks ran (location dependency).
  public var follow: Dependency?
  /// How long the task may run once started; then it fails with a task
  /// timeout. Not IPython's `timeout` flag: that one is `dependencyTimeout`.
  public var timeout: Duration?
  /// How long the task may wait in the hub to be scheduled (its dependencies
  /// met and an engine free); then it fails with a dependency timeout error.
  /// IPython's `timeout` flag, and `timeout` on the wire.
  public var dependencyTimeout: Duration?
  /// How many times a failed task is run again, on a different engine where
  /// one exists (default 0).
  public var retries: Int

  /// Flags; every default leaves scheduling as the hub's.
  public init(
    after: Dependency? = nil, follow: Dependency? = nil, timeout: Duration? = nil,
    dependencyTimeout: Duration? = nil, retries: Int = 0
  ) {
    self.after = after
    self.follow = follow
    self.timeout = timeout
    self.dependencyTimeout = dependencyTimeout
    self.retries = retries
  }

  /// These flags with every field of `other` that differs from its default
  /// (non-nil, retries not 0) taking precedence, as the in-job `merged(with:)`.
  public func merged(with other: TaskFlags) -> TaskFlags {
    var result = self
    if let after = other.after { result.after = after }
    if let follow = other.follow { result.follow = follow }
    if let timeout = other.timeout { result.timeout = timeout }
    if let dependencyTimeout = other.dependencyTimeout { result.dependencyTimeout = dependencyTimeout }
    if other.retries != 0 { result.retries = other.retries }
    return result
  }

  /// The flags as a request carries them; nil when every flag is its default.
  public var steering: SteeringTaskFlags? {
    guard self != TaskFlags() else { return nil }
    return SteeringTaskFlags(
      retries: retries == 0 ? nil : retries, after: after, follow: follow,
      timeout: dependencyTimeout.map(Self.seconds), runTimeout: timeout.map(Self.seconds))
  }

  /// A duration in seconds (always finite).
  static func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) * 1e-18
  }
}
