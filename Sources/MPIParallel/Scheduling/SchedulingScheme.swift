/// What a scheduling scheme sees of one engine that can take a task now.
struct EngineLoad: Equatable, Sendable {
  /// Engine id (rank - 1).
  var id: Int
  /// Load-balanced tasks sent to the engine and not yet answered.
  var outstanding: Int
  /// When the engine was last given a task (a counter; lower is longer ago).
  var lastUsed: UInt64
}

/// A load-balancing scheme: picks one engine among those that can take a task.
/// Schemes are pure (any randomness comes from state they own), so they are
/// tested without MPI.
protocol SchedulingScheme: Sendable {
  /// The id of the engine to run the next task, or nil when `candidates` is empty.
  mutating func select(from candidates: [EngineLoad]) -> Int?
}
