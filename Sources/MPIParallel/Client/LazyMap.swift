import Foundation

/// A map over a sequence read as it goes (`lview.imap(f, xs)`), the
/// sequence perhaps unbounded: each item is a load-balanced task, submitted
/// as earlier ones come back, at most `maxOutstanding` waiting or running at
/// once; finished results wait for the reader up to as many again, so the
/// map never runs further ahead of its reader than that.
///
/// Iterate it blocking (`for item in lazy`) or suspending
/// (`for await item in lazy`): items come in input order when `ordered`,
/// else as they finish, each with its input index, value or error, and
/// metadata. `cancel()` submits nothing more, aborts what has not started,
/// and ends the iteration.
///
/// ```swift
/// let lazy = lview.imap(square, 1..., maxOutstanding: 8)  // unbounded input
/// for item in lazy {
///   if try item.get() > 1_000 { lazy.cancel(); break }
/// }
/// ```
// Safe: every mutable field, and the input iterator inside `submitNext`, is used under `lock` only.
public final class LazyMap<Element: Sendable>: @unchecked Sendable {
  /// Reads the next input and submits it; nil once the input is exhausted.
  private let submitNext: () -> AsyncResult<Element>?
  private let abortTasks: @Sendable (Set<Int>) throws -> [Int]
  /// Tasks that wait or run at once, at most.
  public let maxOutstanding: Int
  /// Whether iteration follows input order (else completion order).
  public let ordered: Bool

  private let lock = ConditionLock()
  /// Submitted and not yet handed to the reader, in input order.
  private var held: [(index: Int, result: AsyncResult<Element>)] = []
  /// Indices of held items whose tasks finished, in completion order.
  private var finished: [Int] = []
  private var inFlight = 0
  private var submitted = 0
  private var exhausted = false
  private var cancelled = false
  private var waiting: [UnsafeContinuation<Void, Never>] = []

  init(
    maxOutstanding: Int, ordered: Bool, abort: @escaping @Sendable (Set<Int>) throws -> [Int],
    submitNext: @escaping () -> AsyncResult<Element>?
  ) {
    self.maxOutstanding = Swift.max(1, maxOutstanding)
    self.ordered = ordered
    self.abortTasks = abort
    self.submitNext = submitNext
    lock.withLock { fill() }
  }

  /// Items submitted so far (tasks and inputs alike: one task per item).
  public var submittedCount: Int { lock.withLock { submitted } }

  /// Whether `cancel()` was called.
  public var isCancelled: Bool { lock.withLock { cancelled } }

  /// Submits nothing more, aborts the submitted tasks that have not started
  /// (returning their ids), and ends the iteration: `next()` gives nil.
  /// Tasks already running finish on their engines; their values are dropped.
  @discardableResult
  public func cancel() throws -> [Int] {
    let pending: Set<Int> = lock.withLock {
      cancelled = true
      return Set(held.filter { !$0.result.isReady }.flatMap(\.result.taskIDs))
    }
    wakeAll()
    return pending.isEmpty ? [] : try abortTasks(pending)
  }

  /// Submits while the limits allow (under the lock).
  private func fill() {
    while !cancelled && !exhausted && inFlight < maxOutstanding && held.count < 2 * maxOutstanding {
      guard let result = submitNext() else {
        exhausted = true
        return
      }
      let index = submitted
      submitted += 1
      inFlight += 1
      held.append((index, result))
      Task { [self] in
        await result.state.waitAsync { $0.pending == 0 }
        taskFinished(index)
      }
    }
  }

  private func taskFinished(_ index: Int) {
    lock.withLock {
      inFlight -= 1
      finished.append(index)
      fill()
    }
    wakeAll()
  }

  private func wakeAll() {
    let resumed = lock.withLock {
      defer { waiting.removeAll() }
      return waiting
    }
    lock.broadcast()
    for continuation in resumed { continuation.resume() }
  }

  /// What the reader may do next (under the lock).
  private enum Step {
    case item(MapItem<Element>)
    case end
    /// Wait for `result` (ordered: the next in input order).
    case waitFor(AsyncResult<Element>)
    /// Wait for any task to finish.
    case waitAny
  }

  private func step() -> Step {
    if cancelled { return .end }
    if ordered {
      guard let head = held.first else { return exhausted ? .end : .waitAny }
      guard head.result.isReady else { return .waitFor(head.result) }
      held.removeFirst()
      finished.removeAll { $0 == head.index }
      fill()
      return .item(Self.item(head.index, head.result))
    }
    guard let index = finished.first else { return held.isEmpty && exhausted ? .end : .waitAny }
    finished.removeFirst()
    let position = held.firstIndex { $0.index == index }!
    let taken = held.remove(at: position)
    fill()
    return .item(Self.item(index, taken.result))
  }

  private static func item(_ index: Int, _ result: AsyncResult<Element>) -> MapItem<Element> {
    MapItem(index: index, result: Result { try result.get() }, metadata: result.metadata[0])
  }

  /// The next item, blocking; nil at the end of the input or once cancelled.
  func nextBlocking() -> MapItem<Element>? {
    while true {
      lock.lock()
      let next = step()
      switch next {
      case .item(let item):
        lock.unlock()
        return item
      case .end:
        lock.unlock()
        return nil
      case .waitFor(let result):
        lock.unlock()
        // Waiting on the result itself lets this thread drive the hub.
        result.wait(timeout: .milliseconds(50))
      case .waitAny:
        lock.wait(until: MonotonicClock.now() + 2e-3)
        lock.unlock()
      }
    }
  }

  /// The next item, suspending; nil at the end of the input or once cancelled.
  func nextSuspending() async -> MapItem<Element>? {
    while true {
      let next = lock.withLock { step() }
      switch next {
      case .item(let item): return item
      case .end: return nil
      case .waitFor(let result): await result.state.waitAsync { $0.pending == 0 }
      case .waitAny:
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
          let now = lock.withLock { () -> Bool in
            if cancelled || !finished.isEmpty || (held.isEmpty && exhausted) { return true }
            waiting.append(continuation)
            return false
          }
          if now { continuation.resume() }
        }
      }
    }
  }
}

extension LazyMap: Sequence {
  /// Yields items as they come, blocking for the next one.
  public struct Iterator: IteratorProtocol {
    let map: LazyMap<Element>
    public mutating func next() -> MapItem<Element>? { map.nextBlocking() }
  }

  public func makeIterator() -> Iterator { Iterator(map: self) }
}

extension LazyMap: AsyncSequence {
  /// Yields items as they come, suspending for the next one.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let map: LazyMap<Element>
    public mutating func next() async -> MapItem<Element>? { await map.nextSuspending() }
  }

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(map: self) }
}

extension LoadBalancedView {
  /// A lazy map (`imap`): `function` over `sequence`, read as it goes, each
  /// item a task with this view's flags, submitted as earlier ones come
  /// back, at most `maxOutstanding` at once (default: two per engine).
  /// Works with an unbounded sequence (`1...`); see `LazyMap`.
  public func imap<S: Sequence, R: Codable & Sendable>(
    _ function: RemoteFunction<S.Element, R>, _ sequence: S, maxOutstanding: Int? = nil, ordered: Bool = true
  ) -> LazyMap<R> where S.Element: Codable & Sendable {
    var iterator = sequence.makeIterator()
    let view = self
    let hub = client.hub
    return LazyMap(
      maxOutstanding: maxOutstanding ?? 2 * Swift.max(1, client.ids.count), ordered: ordered,
      abort: { try hub.abort($0) },
      submitNext: {
        guard let input = iterator.next() else { return nil }
        return view.apply(function, input)
      })
  }

  /// Aborts every load-balanced task not started (IPython's `view.abort()`),
  /// wherever it waits: in the hub, or on an engine behind earlier work.
  /// Returns their ids; each fails with `ParallelError.aborted`. Direct
  /// work is not touched.
  @discardableResult
  public func abort() throws -> [Int] { try client.hub.abortPending(.loadBalanced) }
}

extension DirectView {
  /// Aborts everything not started on this view's engines (IPython's
  /// `view.abort()`): direct work waiting in the hub for any of them, and
  /// whatever waits on them behind earlier work (load-balanced tasks
  /// included). Returns their ids; each fails with `ParallelError.aborted`.
  @discardableResult
  public func abort() throws -> [Int] { try client.hub.abortPending(.engines(Set(targets))) }
}
