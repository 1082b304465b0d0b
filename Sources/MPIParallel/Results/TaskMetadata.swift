import Foundation

/// Where and when one task of a result ran.
public struct TaskMetadata: Sendable, Equatable {
  public let taskID: Int
  /// The engine it ran on (nil while queued, or if aborted before it started).
  public let engineID: Int?
  public let submitted: Date
  /// When the engine started it (nil until it replied).
  public let started: Date?
  /// When the engine finished it (nil until it replied).
  public let completed: Date?

  /// completed - started, in seconds.
  public var elapsed: Double? {
    guard let started, let completed else { return nil }
    return completed.timeIntervalSince(started)
  }
}

/// One item of a map's result, as iteration yields it.
public struct MapItem<Element: Sendable>: Sendable {
  /// The item's position in the map's input.
  public let index: Int
  /// The value, or the error of the task that computed it.
  public let result: Result<Element, any Error>
  /// Where and when its task ran.
  public let metadata: TaskMetadata

  /// The value, or throws the task's error.
  public func get() throws -> Element { try result.get() }
}
