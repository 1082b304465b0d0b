/// The hub's queues at one moment (IPython's `queue_status`).
public struct QueueStatus: Sendable, Equatable, CustomStringConvertible {
  /// One engine's share.
  public struct Engine: Sendable, Equatable {
    public let id: Int
    /// Requests sent to it that it has not started (behind the one running).
    public let queued: Int
    /// Requests it is running (0 or 1: an engine runs one at a time).
    public let running: Int
    /// Requests it has finished.
    public let completed: Int
    /// Up, retiring, retired or lost.
    public let state: EngineState

    public init(id: Int, queued: Int, running: Int, completed: Int, state: EngineState = .up) {
      self.id = id
      self.queued = queued
      self.running = running
      self.completed = completed
      self.state = state
    }
  }

  /// Per engine, by id.
  public let engines: [Engine]
  /// Load-balanced tasks waiting in the hub for an engine (or for their dependencies).
  public let unassigned: Int

  public var description: String {
    let rows = engines.map {
      "  engine \($0.id): queued \($0.queued), running \($0.running), completed \($0.completed)"
        + ($0.state == .up ? "" : "; \($0.state)")
    }
    return (["unassigned: \(unassigned)"] + rows).joined(separator: "\n")
  }
}
