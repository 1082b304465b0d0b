import Synchronization

/// The result of an operation of many items: a DirectView's `apply` (one item
/// per engine, in engine order), a `map` (one item per input), a `pull`.
/// Wait for all of it (`get`, `value`), or iterate the items as they arrive,
/// in input order (the default of an ordered map) or in completion order
/// (`unordered`), blocking (`for item in result`) or suspending
/// (`for await item in result`).
// Safe: `lastDecoded` is read and written under `lock` only; the other fields never change.
public final class AsyncMapResult<Element: Sendable>: @unchecked Sendable {
  /// Appends a finished slot's values (one, or a chunk's) to the array it is given.
  @usableFromInline
  typealias SlotDecoder = @Sendable (ResultState.Slot, ResultContext, inout [Element]) throws -> Void

  let state: ResultState
  let context: ResultContext
  private let decodeSlot: SlotDecoder
  /// The values the hub decoded as replies arrived (slots completed as `.decoded`).
  private let replies: TypedReplies<Element>?
  /// Whether iteration follows the input's order (else completion order).
  public let ordered: Bool
  /// Number of items.
  public let count: Int
  /// The last slot decoded (iteration reads a slot's items one after another).
  private let lock = Mutex(())
  private var lastDecoded: (slot: Int, values: Result<[Element], any Error>)?

  /// Submits the same tasks again (load-balanced results only).
  private let resubmitter: (@Sendable () throws -> AsyncMapResult<Element>)?
  /// Where this submission is found by task id while the result is held
  /// (load-balanced results only); it leaves it when released.
  private let registry: ResubmitRegistry?

  init(
    state: ResultState, context: ResultContext, count: Int, ordered: Bool,
    resubmit: (@Sendable () throws -> AsyncMapResult<Element>)? = nil, registry: ResubmitRegistry? = nil,
    decodeSlot: @escaping SlotDecoder
  ) {
    self.state = state
    self.context = context
    self.count = count
    self.ordered = ordered
    self.resubmitter = resubmit
    self.registry = registry
    self.decodeSlot = decodeSlot
    replies = state.replies as? TypedReplies<Element>
  }

  deinit { registry?.remove(firstTaskID: state.firstTaskID) }

  /// Runs the same tasks again as new tasks (IPython's `resubmit`) and
  /// returns their result. Only a load-balanced result whose tasks have all
  /// finished can be resubmitted (as IPython, which refuses pending tasks);
  /// otherwise it throws `ParallelError.invalidArgument`, naming the pending
  /// tasks, and submits nothing.
  public func resubmit() throws -> AsyncMapResult<Element> {
    guard let resubmitter else {
      throw ParallelError.invalidArgument("only load-balanced results can be resubmitted")
    }
    if let refusal = ParallelError.resubmitPending(state.pendingTaskIDs) { throw refusal }
    return try resubmitter()
  }

  /// The hub's ids of the tasks behind this result.
  public var taskIDs: [Int] { Array(state.taskIDs) }

  /// Whether every task has finished (successfully or not).
  public var isReady: Bool { state.isReady }

  /// Blocks until every task has finished or `timeout` passes; true when
  /// finished. A wait longer than a second on a terminal shows a progress bar
  /// on standard error (tasks done of total, rate, time left).
  @discardableResult
  public func wait(timeout: Duration? = nil) -> Bool {
    let deadline = ResultContext.deadline(timeout)
    let start = MonotonicClock.now()
    // Most waits end within a second: no bar, and no question to the terminal.
    if state.wait(until: Swift.min(deadline ?? .infinity, start + 1), for: { $0.pending == 0 }) {
      return true
    }
    if let deadline, MonotonicClock.now() >= deadline { return false }
    guard ProgressBar.isTerminal && state.slotCount > 1 else {
      return state.wait(until: deadline) { $0.pending == 0 }
    }
    let bar = ProgressBar(total: state.slotCount)
    var drawn = false
    while true {
      let slice = Swift.min(deadline ?? .infinity, MonotonicClock.now() + 0.2)
      let done = state.wait(until: slice) { $0.pending == 0 }
      let elapsed = MonotonicClock.now() - start
      if done {
        if drawn { bar.finish(done: state.slotCount, elapsed: elapsed) }
        return true
      }
      if let deadline, MonotonicClock.now() >= deadline { return false }
      if elapsed >= 1 {
        bar.draw(done: state.completedCount, elapsed: elapsed)
        drawn = true
      }
    }
  }

  /// All values in input order. Throws `ParallelError.timeout` when `timeout`
  /// passes first; when tasks failed, a `CompositeError` listing each remote
  /// failure (or the hub's error, such as `aborted`).
  public func get(timeout: Duration? = nil) throws -> [Element] {
    guard wait(timeout: timeout) else {
      throw ParallelError.timeout(taskIDs: taskIDs, seconds: timeout.map(ResultContext.seconds) ?? 0)
    }
    return try collect()
  }

  /// All values in input order, suspending until they are there.
  public var value: [Element] {
    get async throws {
      await state.waitAsync { $0.pending == 0 }
      return try collect()
    }
  }

  /// Each item's value or error, in input order (blocks until all finished).
  public var outcomes: [Result<Element, any Error>] {
    wait()
    var results: [Result<Element, any Error>] = []
    results.reserveCapacity(count)
    for slot in 0..<state.slotCount {
      let items = state.slot(slot).items
      switch values(ofSlot: slot) {
      case .success(let values): results.append(contentsOf: values.map { .success($0) })
      case .failure(let error): results.append(contentsOf: items.map { _ in .failure(error) })
      }
    }
    return results
  }

  /// nil until finished; then whether every task succeeded.
  public var successful: Bool? {
    guard isReady else { return nil }
    return (0..<state.slotCount).allSatisfy {
      if case .success = values(ofSlot: $0) { return true }
      return false
    }
  }

  /// Where and when each task ran, in task order.
  public var metadata: [TaskMetadata] {
    state.snapshot().map { context.metadata($0, submitted: state.submitted) }
  }

  /// Aborts the tasks not yet started, wherever they wait: in the hub, or
  /// on an engine behind earlier work (the engine drops them before it
  /// starts them); returns their ids. It returns once each engine holding
  /// such a task has finished the request it was running. Their items fail
  /// with `ParallelError.aborted`.
  @discardableResult
  public func abort() throws -> [Int] { try context.hub.abort(Set(taskIDs)) }

  /// Iteration in completion order, whatever `ordered` says.
  public var unordered: AsyncMapResult<Element> {
    AsyncMapResult(
      state: state, context: context, count: count, ordered: false, resubmit: resubmitter,
      decodeSlot: decodeSlot)
  }

  private func collect() throws -> [Element] {
    // Every value decoded as it arrived: one copy of the block.
    if let replies, state.isAllDecoded { return Array(replies.values(0..<count)) }
    var values: [Element] = []
    values.reserveCapacity(count)
    var remote: [RemoteError] = []
    var other: (any Error)?
    func failed(_ error: any Error) {
      switch error {
      case let error as RemoteError: remote.append(error)
      case let error as CompositeError: remote.append(contentsOf: error.failures)
      default: other = other ?? error
      }
    }
    // Each slot's values are decoded straight into the result (no array per
    // slot, and no array of the slots: they are read one at a time).
    try state.forEachSlot { slot in
      switch slot.outcome {
      case nil: failed(ParallelError.invalidArgument("task \(slot.taskID) has not finished"))
      case .failed(let error): failed(error)
      case .decoded: values.append(contentsOf: decodedValues(slot))
      default:
        let before = values.count
        do {
          try decodeSlot(slot, context, &values)
        } catch {
          values.removeSubrange(before...)
          failed(error)
        }
      }
    }
    if let other { throw other }
    if !remote.isEmpty { throw CompositeError(failures: remote, engineCount: state.slotCount) }
    return values
  }

  /// A finished slot's values (the last one asked for is kept decoded).
  func values(ofSlot index: Int) -> Result<[Element], any Error> {
    if let cached = lock.withLock({ _ in lastDecoded }), cached.slot == index { return cached.values }
    let result = decode(state.slot(index))
    lock.withLock { _ in lastDecoded = (index, result) }
    return result
  }

  private func decode(_ slot: ResultState.Slot) -> Result<[Element], any Error> {
    let result: Result<[Element], any Error>
    switch slot.outcome {
    case nil: result = .failure(ParallelError.invalidArgument("task \(slot.taskID) has not finished"))
    case .failed(let error): result = .failure(error)
    case .decoded: result = .success(Array(decodedValues(slot)))
    default:
      result = Result {
        var values: [Element] = []
        try decodeSlot(slot, context, &values)
        return values
      }
    }
    return result
  }

  /// The values of a slot that completed as `.decoded`.
  private func decodedValues(_ slot: ResultState.Slot) -> UnsafeBufferPointer<Element> {
    guard let replies else { preconditionFailure("a slot of \(state.label) was decoded with no storage") }
    return replies.values(slot.items)
  }

  func slotIndex(ofItem item: Int) -> Int { state.slotIndex(ofItem: item) }

  /// Each item's task and the engine it ran on, in input order.
  func itemSlots() -> [(taskID: Int, engineID: Int?)] {
    state.snapshot().flatMap { slot in slot.items.map { _ in (slot.taskID, slot.engineID) } }
  }

  func item(_ index: Int, slot: Int) -> MapItem<Element> {
    let info = state.slot(slot)
    let metadata = context.metadata(info, submitted: state.submitted)
    switch values(ofSlot: slot) {
    case .success(let values):
      return MapItem(
        index: index, result: .success(values[index - info.items.lowerBound]), metadata: metadata)
    case .failure(let error): return MapItem(index: index, result: .failure(error), metadata: metadata)
    }
  }
}

extension AsyncMapResult: Sequence {
  /// Yields items as they arrive, blocking for the next one.
  public struct Iterator: IteratorProtocol {
    let result: AsyncMapResult<Element>
    var position = 0
    var pendingItems: [Int] = []
    var arrivals = 0

    public mutating func next() -> MapItem<Element>? {
      if result.ordered {
        guard position < result.count else { return nil }
        let slot = result.slotIndex(ofItem: position)
        result.state.wait(until: nil) { $0.isComplete(slot) }
        defer { position += 1 }
        return result.item(position, slot: slot)
      }
      while pendingItems.isEmpty {
        guard arrivals < result.state.slotCount else { return nil }
        let needed = arrivals + 1
        result.state.wait(until: nil) { $0.arrived >= needed }
        let slot = result.state.arrival(at: arrivals)
        arrivals += 1
        pendingItems = Array(result.state.slot(slot).items.reversed())
      }
      let index = pendingItems.removeLast()
      return result.item(index, slot: result.slotIndex(ofItem: index))
    }
  }

  public func makeIterator() -> Iterator { Iterator(result: self) }
}

extension AsyncMapResult: AsyncSequence {
  /// Yields items as they arrive, suspending for the next one.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let result: AsyncMapResult<Element>
    var position = 0
    var pendingItems: [Int] = []
    var arrivals = 0

    public mutating func next() async -> MapItem<Element>? {
      if result.ordered {
        guard position < result.count else { return nil }
        let slot = result.slotIndex(ofItem: position)
        await result.state.waitAsync { $0.isComplete(slot) }
        defer { position += 1 }
        return result.item(position, slot: slot)
      }
      while pendingItems.isEmpty {
        guard arrivals < result.state.slotCount else { return nil }
        let needed = arrivals + 1
        await result.state.waitAsync { $0.arrived >= needed }
        let slot = result.state.arrival(at: arrivals)
        arrivals += 1
        pendingItems = Array(result.state.slot(slot).items.reversed())
      }
      let index = pendingItems.removeLast()
      return result.item(index, slot: result.slotIndex(ofItem: index))
    }
  }

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(result: self) }
}
