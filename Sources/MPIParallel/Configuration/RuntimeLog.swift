import Logging

/// The runtime's loggers, set up by `Cluster.run` from the configuration's
/// log level before the hub or an engine starts (quiet by default: warnings
/// and errors only). They write to standard error through swift-log's
/// `StreamLogHandler` with the rank as metadata; the runtime does not call
/// `LoggingSystem.bootstrap`, which belongs to the program (it may be called
/// once per process).
///
/// The hub logs its decisions at `.debug` on `RuntimeLog.hub`
/// (`RuntimeLog.hub.debug("task 17 -> engine 2")`).
enum RuntimeLog {
  /// The hub's log (rank 0): start-up, scheduling decisions, shutdown.
  nonisolated(unsafe) private(set) static var hub = make("mpiparallel.hub", level: .warning, rank: 0)
  /// An engine's log.
  nonisolated(unsafe) private(set) static var engine = make("mpiparallel.engine", level: .warning, rank: nil)
  /// Start-up and shutdown on any rank.
  nonisolated(unsafe) private(set) static var runtime = make("mpiparallel", level: .warning, rank: nil)
  /// The steering endpoint (rank 0): connections, refusals.
  nonisolated(unsafe) private(set) static var steering = make(
    "mpiparallel.steering", level: .warning, rank: 0)

  /// Sets the level and the rank of every logger. Call before the hub
  /// thread or the engine loop starts (they read the loggers without a lock).
  static func configure(level: Logger.Level, rank: Int) {
    hub = make("mpiparallel.hub", level: level, rank: rank)
    engine = make("mpiparallel.engine", level: level, rank: rank)
    runtime = make("mpiparallel", level: level, rank: rank)
    steering = make("mpiparallel.steering", level: level, rank: rank)
  }

  private static func make(_ label: String, level: Logger.Level, rank: Int?) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    if let rank { logger[metadataKey: "rank"] = "\(rank)" }
    return logger
  }
}
