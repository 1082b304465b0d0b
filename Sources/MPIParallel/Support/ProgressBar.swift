import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A one-line progress bar for a terminal: done/total, rate, time left.
///
///     [###############               ] 512/1024  12.3/s  ETA 0:42
///
/// `line(done:elapsed:)` is pure; `draw` and `finish` write it to standard
/// error, and only when standard error is a terminal.
public struct ProgressBar: Sendable {
  /// The number of items.
  public let total: Int
  /// The number of characters between the brackets.
  public let width: Int

  public init(total: Int, width: Int = 30) {
    self.total = max(0, total)
    self.width = max(1, width)
  }

  /// The line for `done` items after `elapsed` seconds, e.g.
  /// "[##########          ] 512/1024  12.3/s  ETA 0:42" (no newline). The
  /// count is padded to the width of the total so the line does not jitter;
  /// before any time has passed the rate and time left read "-"; once all
  /// items are done the time left becomes the time taken ("in 1:23").
  public func line(done: Int, elapsed: Double) -> String {
    let done = min(max(0, done), total)
    let fraction = total > 0 ? Double(done) / Double(total) : 1
    let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
    let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
    let count = String(done).leftPadded(to: String(total).count)
    let elapsed = elapsed.isFinite ? max(0, elapsed) : 0
    let rate = elapsed > 0 ? Double(done) / elapsed : nil
    let rateText = rate.map(Self.rate) ?? "-"
    let tail: String
    if done == total {
      tail = "in \(Self.clock(elapsed))"
    } else if let rate, rate > 0 {
      tail = "ETA \(Self.clock(Double(total - done) / rate))"
    } else {
      tail = "ETA -:--"
    }
    return "[\(bar)] \(count)/\(total)  \(rateText)/s  \(tail)"
  }

  /// Whether standard error is a terminal (isatty(2)); the runtime draws only then.
  public static var isTerminal: Bool { isatty(2) != 0 }

  /// Draws `line` on standard error after a carriage return, clearing the
  /// rest of the terminal line (only when `isTerminal`).
  public func draw(done: Int, elapsed: Double) {
    guard Self.isTerminal else { return }
    Self.writeStandardError("\r" + line(done: done, elapsed: elapsed) + "\u{1B}[K")
  }

  /// Draws the last line and ends it with a newline (only when `isTerminal`).
  public func finish(done: Int, elapsed: Double) {
    guard Self.isTerminal else { return }
    Self.writeStandardError("\r" + line(done: done, elapsed: elapsed) + "\u{1B}[K\n")
  }

  private static func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { buffer in
        write(2, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
    bytes.removeAll()
  }

  /// Items per second with three significant digits or so: "0.52", "12.3", "512", "1.2k", "3.4M".
  static func rate(_ value: Double) -> String {
    if value < 10 { return String(format: "%.2f", value) }
    if value < 100 { return String(format: "%.1f", value) }
    if value < 10_000 { return String(format: "%.0f", value) }
    if value < 10_000_000 { return String(format: "%.1fk", value / 1e3) }
    return String(format: "%.1fM", value / 1e6)
  }

  /// Seconds as "m:ss", or "h:mm:ss" from an hour on (rounded up, so a
  /// last fraction of a second shows as 0:01, not 0:00).
  static func clock(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "-:--" }
    let total = Int(min(seconds.rounded(.up), 359_999))  // at most 99:59:59
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
    return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
  }
}

extension String {
  fileprivate func leftPadded(to length: Int) -> String {
    count >= length ? self : String(repeating: " ", count: length - count) + self
  }
}
