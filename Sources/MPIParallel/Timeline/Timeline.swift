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

  static func write(_ text: String, to path: String) throws {
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    } catch {
      throw TimelineError.cannotWrite(path: path, reason: Self.reason(error))
    }
  }

  private static func reason(_ error: any Error) -> String {
    let nsError = error as NSError
    if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
      underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
    {
      return String(cString: strerror(code.rawValue))
    }
    if nsError.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(nsError.code)))
    }
    return nsError.localizedDescription
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
