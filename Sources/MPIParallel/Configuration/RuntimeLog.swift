import Logging
import Synchronization

/// The runtime's loggers, set up by `Cluster.run` from the configuration's
/// log level before the hub or an engine starts (quiet by default: warnings
/// and errors only). They write to standard error through swift-log's
/// `StreamLogHandler` with the rank as metadata; the runtime does not call
/// `LoggingSystem.bootstrap`, which belongs to the program (it may be called
/// once per process).
///
/// The hub logs its decisions at `.debug` on `RuntimeLog.hub`
/// (`RuntimeLog.hub.debug("task 17 -> engine 2")`), and only when its
/// level lets them through: a decision it does not log reads no logger.
enum RuntimeLog {
  private struct Loggers {
    var hub = make("mpiparallel.hub", level: .warning, rank: 0)
    var engine = make("mpiparallel.engine", level: .warning, rank: nil)
    var runtime = make("mpiparallel", level: .warning, rank: nil)
    var steering = make("mpiparallel.steering", level: .warning, rank: 0)
  }

  private static let loggers = Mutex(Loggers())

  /// The hub's log (rank 0): start-up, scheduling decisions, shutdown.
  static var hub: Logger { loggers.withLock { $0.hub } }
  /// An engine's log.
  static var engine: Logger { loggers.withLock { $0.engine } }
  /// Start-up and shutdown on any rank.
  static var runtime: Logger { loggers.withLock { $0.runtime } }
  /// The steering endpoint (rank 0): connections, refusals.
  static var steering: Logger { loggers.withLock { $0.steering } }

  /// Sets the level and the rank of every logger. Call before the hub
  /// thread or the engine loop starts.
  static func configure(level: Logger.Level, rank: Int) {
    loggers.withLock { loggers in
      loggers.hub = make("mpiparallel.hub", level: level, rank: rank)
      loggers.engine = make("mpiparallel.engine", level: level, rank: rank)
      loggers.runtime = make("mpiparallel", level: level, rank: rank)
      loggers.steering = make("mpiparallel.steering", level: level, rank: rank)
    }
  }

  private static func make(_ label: String, level: Logger.Level, rank: Int?) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = level
    if let rank { logger[metadataKey: "rank"] = "\(rank)" }
    return logger
  }
}
