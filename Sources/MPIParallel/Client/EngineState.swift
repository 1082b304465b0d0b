import Foundation

/// Where an engine stands in the job.
public enum EngineState: Sendable, Hashable, CustomStringConvertible {
  /// Takes work.
  case up
  /// Retiring: takes no new work, finishes what it holds, then leaves.
  case retiring
  /// Left the job when retired (its id is not reused).
  case retired(at: Date)
  /// Died or became unreachable while the job ran (see `EngineLossReport`).
  case lost(EngineLossReport)

  /// Whether it takes work.
  public var isUp: Bool { self == .up }

  public var description: String {
    switch self {
    case .up: return "up"
    case .retiring: return "retiring"
    case .retired: return "retired"
    case .lost(let report): return "lost: \(report)"
    }
  }
}

/// What the hub knew of an engine when it lost it.
public struct EngineLossReport: Sendable, Hashable, CustomStringConvertible {
  /// When the hub marked it lost.
  public let at: Date
  /// How the hub learned of it: "its process died (connection closed)",
  /// "no heartbeat for 5.0 s", "it died of signal 11", ...
  public let reason: String
  /// The tasks it held (running first), which went back to the queue or failed.
  public let taskIDs: [Int]
  /// The function (or operation) of the task it was running, if any.
  public let function: String?

  public init(at: Date, reason: String, taskIDs: [Int], function: String?) {
    self.at = at
    self.reason = reason
    self.taskIDs = taskIDs
    self.function = function
  }

  public var description: String {
    guard let running = taskIDs.first else { return reason }
    let named = function.map { " ('\($0)')" } ?? ""
    // A crash or exit note names the task already.
    let task =
      reason.hasSuffix("task \(running)") ? named : "; it was running task \(running)\(named)"
    return reason + task + (taskIDs.count > 1 ? " and held \(taskIDs.count - 1) more" : "")
  }
}
