import Foundation
import NIOConcurrencyHelpers

/// The result of a steering submission of many items (a DirectView's apply,
/// one item per engine; a map, one per input; a pull or gather). The hub keeps
/// the job; this handle asks it for progress and values.
public final class AsyncMapResult<Element: Decodable & Sendable>: Sendable {
  /// How the hub's items become this result's elements.
  enum Transform: Sendable {
    /// Each item is an array: their elements, concatenated.
    case flatten
  }

  let client: Client
  /// What was submitted, for errors: `apply(area)`.
  public let label: String
  let submission: Submission?
  let transform: Transform?
  /// Whether iteration follows the input's order (else completion order).
  public let ordered: Bool
  /// The values (or the error) and the hub's last status, once the items are in.
  private let finished: NIOLockedValueBox<(outcome: Result<[Element], any Error>?, status: JobStatus?)>

  init(client: Client, label: String, submission: Submission, transform: Transform?, ordered: Bool = true) {
    self.client = client
    self.label = label
    self.submission = submission
    self.transform = transform
    self.ordered = ordered
    finished = NIOLockedValueBox((nil, nil))
  }

  init(client: Client, label: String, failure: any Error) {
    self.client = client
    self.label = label
    submission = nil
    transform = nil
    ordered = true
    finished = NIOLockedValueBox((.failure(failure), nil))
  }

  /// The same result, iterated in completion order.
  public var unordered: AsyncMapResult<Element> {
    guard let submission else { return self }
    return AsyncMapResult(
      client: client, label: label, submission: submission, transform: transform, ordered: false)
  }

  /// The hub's ids of the tasks behind this result.
  public var taskIDs: [Int] { submission?.tasks ?? [] }

  /// How many items the result has (before any flattening).
  public var count: Int { submission?.count ?? 0 }

  /// Whether every task has finished.
  public var isReady: Bool { wait(timeout: .zero) }

  /// Tasks finished, and in all.
  public func progress() throws -> (done: Int, total: Int) {
    guard let submission else { return (0, 0) }
    let status = try fetch(job: submission.job, timeout: 0, items: false)
    return (status.done, status.total)
  }

  /// The engine each item ran on, once ready.
  public var engineIDs: [Int?] { finished.withLockedValue { $0.status?.engines ?? [] } }

  /// Blocks until every task has finished or `timeout` passes; true when finished.
  @discardableResult
  public func wait(timeout: Duration? = nil) -> Bool {
    (try? waitForItems(timeout: timeout)) ?? (finished.withLockedValue { $0.outcome } != nil)
  }

  /// The values in order; throws the remote error of a failed task (a
  /// `SteeringError.composite` when several failed), or `SteeringError.timedOut`.
  public func get(timeout: Duration? = nil) throws -> [Element] {
    guard try waitForItems(timeout: timeout) else { throw SteeringError.timedOut("\(label) is not ready") }
    return try finished.withLockedValue { $0.outcome! }.get()
  }

  /// The values, for async code.
  public var value: [Element] {
    get async throws {
      try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try self.get() }) }
      }
    }
  }

  /// Aborts those of the tasks not started (queued in the hub, or waiting on an engine); returns them.
  @discardableResult
  public func abort() throws -> [Int] { try client.abort(taskIDs) }

  /// Waits in slices (so a lost connection or a stopped hub shows promptly);
  /// true once the items are in.
  private func waitForItems(timeout: Duration?) throws -> Bool {
    if finished.withLockedValue({ $0.outcome != nil }) { return true }
    guard let submission else { return true }
    let deadline = timeout.map { Date().timeIntervalSince1970 + Self.seconds($0) }
    while true {
      let left = deadline.map { Swift.max(0, $0 - Date().timeIntervalSince1970) } ?? 5
      let status = try fetch(job: submission.job, timeout: Swift.min(left, 5), items: true)
      if status.ready, let items = status.items {
        let values = Result { try decode(items) }
        finished.withLockedValue { $0 = (values, status) }
        return true
      }
      if let deadline, Date().timeIntervalSince1970 >= deadline { return false }
    }
  }

  private func fetch(job: Int, timeout: Double, items: Bool) throws -> JobStatus {
    guard
      case .job(let status) = try client.link.send(
        .wait(job: job, timeout: timeout, items: items), timeout: timeout + 60)
    else { throw client.unexpected("wait") }
    return status
  }

  func decode(_ items: [ItemOutcome]) throws -> [Element] {
    var failures: [RemoteFailure] = []
    var values: [JSONValue] = []
    for item in items {
      switch item {
      case .value(let value): values.append(value)
      case .failure(let failure): failures.append(failure)
      }
    }
    if failures.count == 1 { throw SteeringError.remote(failures[0]) }
    if failures.count > 1 { throw SteeringError.composite(failures) }
    if transform == .flatten {
      // Numeric arrays join as raw bytes and become one Swift array at once.
      let arrays = values.compactMap { value -> NumericArray? in
        if case .numbers(let numbers) = value { return numbers }
        return nil
      }
      if arrays.count == values.count, let joined = NumericArray.joined(arrays),
        let elements = joined.decode(as: [Element].self)
      {
        return elements
      }
      values = try values.flatMap { value -> [JSONValue] in
        guard let elements = value.arrayValue else {
          throw SteeringError.wrongType(
            expected: "an array on each engine", got: value.description, reason: label)
        }
        return elements
      }
    }
    return try values.map { try $0.decode(as: Element.self) }
  }

  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }
}
