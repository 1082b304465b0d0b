/// The task flags of a load-balanced submission (`SteeringCommand.map`) as
/// they travel: IPython's names and meanings, seconds as numbers. Every
/// field is optional; a request without flags, or with some left out, leaves
/// them as the hub's defaults. The hub checks each value before it uses it
/// (a bad one is refused with a reply naming the flag).
///
/// ```json
/// {"retries": 2, "after": {"tasks": [3, 4]}, "follow": {"tasks": [3], "all": true},
///  "timeout": 5.0, "runTimeout": 60.0}
/// ```
public struct SteeringTaskFlags: Codable, Sendable, Equatable {
  /// How many times a failed task runs again, on another engine where one exists.
  public var retries: Int?
  /// Run only once these tasks have finished.
  public var after: Dependency?
  /// Run on the engine where these tasks ran.
  public var follow: Dependency?
  /// IPython's `timeout`: how long (seconds) the task may wait in the hub to
  /// be scheduled (its dependencies met and an engine free) before it fails
  /// with a dependency timeout. Not a limit on its run time.
  public var timeout: Double?
  /// How long (seconds) the task may run once started; then it fails with a
  /// task timeout (the engine finishes it; its late result is dropped).
  public var runTimeout: Double?

  /// Flags as they travel; nil leaves a flag as the hub's default.
  public init(
    retries: Int? = nil, after: Dependency? = nil, follow: Dependency? = nil, timeout: Double? = nil,
    runTimeout: Double? = nil
  ) {
    self.retries = retries
    self.after = after
    self.follow = follow
    self.timeout = timeout
    self.runTimeout = runTimeout
  }
}
