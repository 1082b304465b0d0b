import Foundation

/// Keeps a flood of like warnings (a fuzzer's bad frames, a client retrying
/// with the wrong key) from filling the log: at most ``limit`` warnings per
/// ``interval`` for each reason, then one line saying how many more were
/// held back, when the interval ends.
///
/// A value type with no clock of its own: each call says what time it is
/// (seconds on any steady clock), so tests drive it with a fake one.
public struct LogRateLimiter: Sendable, Equatable {
  /// Warnings let through per reason and interval.
  public let limit: Int
  /// The length of an interval, in seconds.
  public let interval: Double

  /// One reason's current interval.
  struct Window: Sendable, Equatable {
    var start: Double
    var logged: Int
    var suppressed: Int
  }

  private var windows: [String: Window] = [:]

  public init(limit: Int = 10, interval: Double = 60) {
    precondition(limit >= 0 && interval > 0, "a rate limit needs a limit of 0 or more and an interval over 0")
    self.limit = limit
    self.interval = interval
  }

  /// Whether a warning for `reason` at time `now` is to be logged; one that
  /// is not is counted for `expired(now:)` to report.
  public mutating func admit(_ reason: String, now: Double) -> Bool {
    var window = windows[reason] ?? Window(start: now, logged: 0, suppressed: 0)
    if now - window.start >= interval {
      // The report of a finished interval's suppressed warnings comes from
      // `expired(now:)`, which the caller runs before this.
      window = Window(start: now, logged: 0, suppressed: window.suppressed)
    }
    let admitted = window.logged < limit
    if admitted { window.logged += 1 } else { window.suppressed += 1 }
    windows[reason] = window
    return admitted
  }

  /// The reasons whose interval has ended by `now` with warnings held back,
  /// and how many each (in the order of their names); forgets them, and
  /// every reason idle for a whole interval.
  public mutating func expired(now: Double) -> [(reason: String, suppressed: Int)] {
    var report: [(reason: String, suppressed: Int)] = []
    for (reason, window) in windows where now - window.start >= interval {
      if window.suppressed > 0 { report.append((reason, window.suppressed)) }
      windows[reason] = nil
    }
    return report.sorted { $0.reason < $1.reason }
  }

  /// The reason a refusal counts under: its text without the details that
  /// differ from one frame to the next (what follows a ':' or '(', and
  /// digits), so that every bad signature, every replay, every oversized
  /// frame shares one limit.
  public static func reason(of message: String) -> String {
    let head = message.prefix { $0 != ":" && $0 != "(" }
    return String(head.filter { !$0.isNumber }).trimmingCharacters(in: .whitespaces)
  }
}
