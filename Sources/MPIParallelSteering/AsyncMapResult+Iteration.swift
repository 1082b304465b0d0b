/// One item of a steering result as it arrives: its place in the input (or
/// engine) order, the engine it ran on, and its value or error.
public struct SteeringItem<Value: Sendable>: Sendable {
  public let index: Int
  public let engineID: Int?
  public let result: Result<Value, SteeringError>

  /// The value; throws the item's error.
  public func get() throws -> Value { try result.get() }
}

extension AsyncMapResult: Sequence {
  /// The element type of the values (the generic parameter; `Element` is the sequence's items).
  public typealias Value = Element

  /// Yields items as their tasks finish: in input order when the result is
  /// `ordered`, else in completion order (`unordered`). A lost connection ends
  /// the iteration with one item carrying the error.
  public struct Iterator: IteratorProtocol {
    let result: AsyncMapResult<Value>
    /// Tasks whose items have been fetched.
    private var tasksSeen = 0
    private var finished = false
    /// Fetched items not yet yielded: by index (ordered) or in arrival order.
    private var waiting: [Int: SteeringItem<Value>] = [:]
    private var arrived: [SteeringItem<Value>] = []
    private var nextIndex = 0

    init(result: AsyncMapResult<Value>) {
      self.result = result
    }

    public mutating func next() -> SteeringItem<Value>? {
      while true {
        if result.ordered, let item = waiting.removeValue(forKey: nextIndex) {
          nextIndex += 1
          return item
        }
        if !result.ordered, !arrived.isEmpty { return arrived.removeFirst() }
        if finished { return nil }
        fetch()
      }
    }

    /// Asks the hub for the next tasks that finished (whole results for a
    /// failed submission or a flattened gather).
    private mutating func fetch() {
      guard let submission = result.submission, result.transform == nil else {
        finished = true
        switch Result(catching: { try result.get() }) {
        case .success(let values):
          for (index, value) in values.enumerated() {
            keep(SteeringItem(index: index, engineID: nil, result: .success(value)))
          }
        case .failure(let error):
          keep(SteeringItem(index: nextIndex, engineID: nil, result: .failure(Self.steering(error))))
        }
        return
      }
      do {
        guard
          case .arrivals(let batch) = try result.client.link.send(
            .arrivals(job: submission.job, after: tasksSeen, timeout: 5), timeout: 65)
        else { throw result.client.unexpected("arrivals") }
        tasksSeen = batch.tasksSeen
        finished = tasksSeen >= batch.total
        for item in batch.items {
          let value: Result<Value, SteeringError>
          switch item.outcome {
          case .value(let json):
            value = Result { try json.decode(as: Value.self) }.mapError(Self.steering)
          case .failure(let failure):
            value = .failure(.remote(failure))
          }
          keep(SteeringItem(index: item.index, engineID: item.engine, result: value))
        }
      } catch {
        finished = true
        keep(SteeringItem(index: nextIndex, engineID: nil, result: .failure(Self.steering(error))))
      }
    }

    private mutating func keep(_ item: SteeringItem<Value>) {
      if result.ordered { waiting[item.index] = item } else { arrived.append(item) }
    }

    private static func steering(_ error: any Error) -> SteeringError {
      error as? SteeringError ?? .connectionLost("\(error)")
    }
  }

  public func makeIterator() -> Iterator { Iterator(result: self) }
}
