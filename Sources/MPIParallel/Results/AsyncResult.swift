import Synchronization

/// The result of one task (a load-balanced `apply`, an engine's `apply`) or
/// of an operation with one combined value (`gather`, `push`, `scatter`).
/// Block with `get(timeout:)` or suspend with `try await result.value`.
public final class AsyncResult<Value: Sendable>: @unchecked Sendable {
  typealias Finish = @Sendable ([ResultState.Slot], ResultContext) throws -> Value

  let state: ResultState
  let context: ResultContext
  private let finish: Finish
  /// Guards `cached` (a mutex stored inline, of a concrete type: no
  /// allocation and no generic metadata per result).
  private let lock = Mutex(())
  private var cached: Result<Value, any Error>?

  private let resubmitter: (@Sendable () throws -> AsyncResult<Value>)?

  init(
    state: ResultState, context: ResultContext, resubmit: (@Sendable () throws -> AsyncResult<Value>)? = nil,
    finish: @escaping Finish
  ) {
    self.state = state
    self.context = context
    self.resubmitter = resubmit
    self.finish = finish
  }

  /// Runs the same task again as a new task (IPython's `resubmit`) and
  /// returns its result. Only load-balanced results can be resubmitted.
  public func resubmit() throws -> AsyncResult<Value> {
    guard let resubmitter else {
      throw ParallelError.invalidArgument("only load-balanced results can be resubmitted")
    }
    return try resubmitter()
  }

  /// The hub's ids of the tasks behind this result.
  public var taskIDs: [Int] { Array(state.taskIDs) }

  /// Whether every task has finished (successfully or not).
  public var isReady: Bool { state.isReady }

  /// Blocks until finished or `timeout` passes; true when finished.
  @discardableResult
  public func wait(timeout: Duration? = nil) -> Bool {
    state.wait(until: ResultContext.deadline(timeout)) { $0.pending == 0 }
  }

  /// The value; throws the remote error (a `RemoteError`, or a
  /// `CompositeError` for several engines), or `ParallelError.timeout` when
  /// `timeout` passes first (the tasks keep running).
  public func get(timeout: Duration? = nil) throws -> Value {
    guard wait(timeout: timeout) else {
      throw ParallelError.timeout(taskIDs: taskIDs, seconds: timeout.map(ResultContext.seconds) ?? 0)
    }
    return try outcome.get()
  }

  /// The value, suspending until it is there.
  public var value: Value {
    get async throws {
      await state.waitAsync { $0.pending == 0 }
      return try outcome.get()
    }
  }

  /// nil until finished; then whether it succeeded.
  public var successful: Bool? {
    guard isReady else { return nil }
    if case .success = outcome { return true }
    return false
  }

  /// The error, once finished and failed.
  public var error: (any Error)? {
    guard isReady, case .failure(let error) = outcome else { return nil }
    return error
  }

  /// Where and when each task ran.
  public var metadata: [TaskMetadata] {
    state.snapshot().map { context.metadata($0, submitted: state.submitted) }
  }

  /// Aborts the tasks not yet started; returns their ids.
  @discardableResult
  public func abort() throws -> [Int] { try context.hub.abort(Set(taskIDs)) }

  private var outcome: Result<Value, any Error> {
    if let done = lock.withLock({ _ in cached }) { return done }
    let slots = state.snapshot()
    let result: Result<Value, any Error>
    if let failed = slots.lazy.compactMap({ slot -> (any Error)? in
      if case .failed(let error) = slot.outcome { return error }
      return nil
    }).first {
      result = .failure(failed)
    } else {
      result = Result { try finish(slots, context) }
    }
    lock.withLock { _ in cached = result }
    return result
  }
}

extension AsyncResult {
  /// The one item of `many` as a single result (an engine's apply, a
  /// load-balanced apply): its value, or its error (a lone remote failure
  /// unwrapped from its composite). Resubmitting resubmits `many`.
  static func single(_ many: AsyncMapResult<Value>) -> AsyncResult<Value> {
    AsyncResult(state: many.state, context: many.context, resubmit: { single(try many.resubmit()) }) { _, _ in
      guard many.state.slotCount > 0 else { throw ParallelError.noEngines(many.state.label) }
      switch many.values(ofSlot: 0) {
      case .success(let values):
        guard let value = values.first else { throw ParallelError.noEngines(many.state.label) }
        return value
      case .failure(let error as CompositeError) where error.failures.count == 1: throw error.failures[0]
      case .failure(let error): throw error
      }
    }
  }
}
