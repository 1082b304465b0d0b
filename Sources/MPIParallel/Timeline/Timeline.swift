import Foundation

/// One bar of a timeline: a task that ran on an engine from start to end.
public struct TimelineEntry: Sendable, Equatable {
  /// The hub's id of the task.
  public var taskID: Int
  /// The name of the remote function it ran (bars are coloured by it).
  public var function: String
  /// The engine it ran on (its row).
  public var engineID: Int
  /// When the engine started it.
  public var start: Date
  /// When the engine finished it.
  public var end: Date

  public init(taskID: Int, function: String, engineID: Int, start: Date, end: Date) {
    self.taskID = taskID
    self.function = function
    self.engineID = engineID
    self.start = start
    self.end = end
  }

  /// end - start in seconds (never negative).
  public var duration: Double { max(0, end.timeIntervalSince(start)) }
}

/// The per-engine timeline of tasks: which engine ran what, when. Write it as
/// an SVG Gantt chart (`svg()`, `writeSVG(to:)`) or as Chrome trace-event
/// JSON for Perfetto and chrome://tracing (`chromeTrace()`,
/// `writeChromeTrace(to:)`).
///
/// ```swift
/// let result = try lview.map(work, inputs)
/// _ = try result.get()
/// try Timeline(metadata: result.metadata, function: "work").writeSVG(to: "work.svg")
/// ```
public struct Timeline: Sendable, Equatable {
  /// The bars, in any order.
  public var entries: [TimelineEntry]
  /// The chart's title (also the trace's process name).
  public var title: String

  public init(entries: [TimelineEntry], title: String = "MPIParallel timeline") {
    self.entries = entries
    self.title = title
  }

  /// From task metadata plus function names (tasks without engine or times
  /// are left out: queued, aborted before they started, or still running).
  public init(metadata: [TaskMetadata], function: String, title: String = "MPIParallel timeline") {
    let entries = metadata.compactMap { task -> TimelineEntry? in
      guard let engineID = task.engineID, let started = task.started, let completed = task.completed else {
        return nil
      }
      return TimelineEntry(
        taskID: task.taskID, function: function, engineID: engineID, start: started, end: completed)
    }
    self.init(entries: entries, title: title)
  }

  /// Concatenation (e.g. a direct run and a load-balanced run side by side):
  /// both keep their own times. The title is the left one's, or both joined
  /// by " + " when they differ.
  public static func + (lhs: Timeline, rhs: Timeline) -> Timeline {
    let title = lhs.title == rhs.title ? lhs.title : "\(lhs.title) + \(rhs.title)"
    return Timeline(entries: lhs.entries + rhs.entries, title: title)
  }

  /// The engines that ran at least one task, ascending.
  public var engineIDs: [Int] { Array(Set(entries.map(\.engineID))).sorted() }

  /// The distinct function names, in order of first appearance.
  public var functions: [String] {
    var seen = Set<String>()
    return entries.map(\.function).filter { seen.insert($0).inserted }
  }

  /// The earliest start (nil when empty).
  public var origin: Date? { entries.map(\.start).min() }

  /// Seconds from the earliest start to the latest end (0 when empty).
  public var span: Double {
    guard let origin, let last = entries.map(\.end).max() else { return 0 }
    return max(0, last.timeIntervalSince(origin))
  }

  /// Writes `svg()` to the file at `path` (the directory must exist).
  public func writeSVG(to path: String) throws {
    try Self.write(svg(), to: path)
  }

  /// Writes `chromeTrace()` to the file at `path` (the directory must exist).
  public func writeChromeTrace(to path: String) throws {
    try Self.write(chromeTrace(), to: path)
  }

  /// Writes `text` to `path` (created or truncated), or throws
  /// `TimelineError.cannotWrite` with the system's reason.
  static func write(_ text: String, to path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw TimelineError.cannotWrite(path: path, reason: Self.reason(errno)) }
    var bytes = Array(text.utf8)
    var offset = 0
    var failure: Int32?
    while offset < bytes.count {
      let written = bytes.withUnsafeMutableBytes { buffer in
        Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR { continue }
        failure = errno
        break
      }
      offset += written
    }
    bytes.removeAll()
    if close(descriptor) != 0, failure == nil { failure = errno }
    if let failure { throw TimelineError.cannotWrite(path: path, reason: Self.reason(failure)) }
  }

  private static func reason(_ code: Int32) -> String {
    var text = String(cString: strerror(code))
    if code == ENOENT { text += " (does the directory exist?)" }
    return text
  }
}

/// A timeline could not be written.
public enum TimelineError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// The file at `path` could not be written (`reason` says why).
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let reason): "cannot write timeline to \(path): \(reason)"
    }
  }

  public var errorDescription: String? { description }
}
