import Foundation

/// The result of one steering call.
public final class AsyncResult<Value: Decodable & Sendable>: Sendable {
  private let many: AsyncMapResult<Value>

  init(_ many: AsyncMapResult<Value>) { self.many = many }

  /// The hub's id of the task.
  public var taskID: Int? { many.taskIDs.first }
  /// The hub's id of the task as a list (empty when the hub refused the
  /// submission), for `Dependency` and `Client.abort`.
  public var taskIDs: [Int] { many.taskIDs }
  /// Whether the task has finished.
  public var isReady: Bool { many.isReady }
  /// Blocks until the task has finished or `timeout` passes; true when finished.
  @discardableResult
  public func wait(timeout: Duration? = nil) -> Bool { many.wait(timeout: timeout) }
  /// The value; throws the task's remote error or `SteeringError.timedOut`.
  public func get(timeout: Duration? = nil) throws -> Value {
    guard let value = try many.get(timeout: timeout).first else {
      throw SteeringError.connectionLost("\(many.label) has no value")
    }
    return value
  }
  /// The value, for async code.
  public var value: Value {
    get async throws {
      guard let value = try await many.value.first else {
        throw SteeringError.connectionLost("\(many.label) has no value")
      }
      return value
    }
  }
  /// Aborts the task if it has not started (queued in the hub, or waiting on an engine).
  @discardableResult
  public func abort() throws -> [Int] { try many.abort() }
}
