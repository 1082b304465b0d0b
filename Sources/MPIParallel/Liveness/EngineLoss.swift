#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Why the hub considers an engine lost, as its liveness connection told it
/// (see ``LivenessWatch``).
enum EngineLoss: Equatable, Sendable, CustomStringConvertible {
  /// The connection closed or was reset with no note first: the process was
  /// killed (SIGKILL, the out-of-memory killer) or died without its handlers.
  case closed
  /// Nothing arrived for `seconds` (at least the watch's timeout): the host
  /// went away, the network was cut, or the process was stopped.
  case silent(seconds: Double)
  /// The engine's crash handler sent a note for `signal` before it died;
  /// `taskID` is the task it was running (nil: between tasks).
  case crashed(signal: Int32, taskID: Int?)
  /// The engine's process called `exit` without saying goodbye (its atexit
  /// handler sent a note); `taskID` is the task it was running (nil: none).
  case exited(taskID: Int?)
  /// The engine did not connect within the timeout of the watch's start (or
  /// of `expect`).
  case neverConnected

  var description: String {
    switch self {
    case .closed:
      return "its process died (connection closed)"
    case .silent(let seconds):
      return "no heartbeat for \((seconds * 10).rounded() / 10) s"
    case .crashed(let signal, let taskID):
      return "it died of signal \(signal)\(Self.name(of: signal).map { " (\($0))" } ?? "")"
        + Self.during(taskID)
    case .exited(let taskID):
      return "it called exit" + Self.during(taskID)
    case .neverConnected:
      return "it never connected to the hub's liveness port"
    }
  }

  private static func during(_ taskID: Int?) -> String {
    taskID.map { " while running task \($0)" } ?? " between tasks"
  }

  private static func name(of signal: Int32) -> String? {
    switch signal {
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGABRT: return "SIGABRT"
    case SIGBUS: return "SIGBUS"
    case SIGFPE: return "SIGFPE"
    case SIGSEGV: return "SIGSEGV"
    case SIGKILL: return "SIGKILL"
    case SIGTERM: return "SIGTERM"
    default: return nil
    }
  }
}
