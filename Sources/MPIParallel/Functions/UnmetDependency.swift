/// Thrown by a load-balanced task that cannot run on the engine it was given
/// (IPython's `UnmetDependency`, raised by hand): the engine answers that it
/// declines the task instead of failing it, and the hub sends the task to
/// an engine it has not tried. When every engine it may run on has declined
/// it, it fails with `ParallelError.unmetDependency`.
///
/// The engine sends the task's request back with its refusal, so a task
/// with or without flags can move; a map's chunk moves whole. A direct call
/// (on a `DirectView` or `client[i]`) has nowhere else to go: it fails with a
/// `RemoteError` of type `UnmetDependency`.
///
/// ```swift
/// let onScratch = RemoteFunction("onScratch") { (path: String) -> Int in
///   guard FileManager.default.fileExists(atPath: path) else { throw UnmetDependency("no \(path) here") }
///   return try EngineContext.current.id
/// }
/// ```
public struct UnmetDependency: Error, Sendable, CustomStringConvertible {
  /// Why the task cannot run here.
  public let reason: String

  public init(_ reason: String = "the task's dependency does not hold on this engine") {
    self.reason = reason
  }

  public var description: String { reason }
}
