import Synchronization

/// The result of one task (a load-balanced `apply`, an engine's `apply`) or
/// of an operation with one combined value (`gather`, `push`, `scatter`).
/// Block with `get(timeout:)` or suspend with `try await result.value`.
// Safe: the cached value and error are read and written under `lock` only; the other fields never change.
public final class AsyncResult<Value: Sendable>: @unchecked Sendable {
  /// Makes the value from the finished state (which reads what it needs:
  /// a call's one slot, or a snapshot of all of them).
  @usableFromInline
  typealias Finish = @Sendable (ResultState, ResultContext) throws -> Value

  @usableFromInline let state: ResultState
  @usableFromInline let context: ResultContext
  private let finish: Finish
  /// Guards the cached outcome (a mutex stored inline, of a concrete type:
  /// no allocation and no generic metadata per result).
  private let lock = Mutex(())
  /// The value once decoded, in memory of its own, as an untyped pointer:
  /// a `Value?` or `Result<Value, Error>` field would cost a generic
  /// metadata lookup per result in code not specialized for `Value`.
  private var cachedValue: UnsafeMutableRawPointer?
  /// A small plain value (an `Int`, a `Double`: trivial, at most 16 bytes)
  /// is kept here instead, with no allocation; `hasInlineValue` says so.
  private var inlineValue: (UInt64, UInt64) = (0, 0)
  private var hasInlineValue = false
  /// The error once finished and failed.
  private var cachedError: (any Error)?

  private let resubmitter: (@Sendable () throws -> AsyncResult<Value>)?
  /// The one slot of `state` this result stands for (one task of a larger
  /// operation: `split()`, `Client.result(taskID:)`); -1 for all of them.
  let onlySlot: Int

  @usableFromInline
  init(
    state: ResultState, context: ResultContext, resubmit: (@Sendable () throws -> AsyncResult<Value>)? = nil,
    slot: Int = -1, finish: @escaping Finish
  ) {
    self.state = state
    self.context = context
    self.resubmitter = resubmit
    self.onlySlot = slot
    self.finish = finish
  }

  deinit {
    if let cachedValue {
      cachedValue.assumingMemoryBound(to: Value.self).deinitialize(count: 1)
      cachedValue.deallocate()
    }
  }

  /// Runs the same task again as a new task (IPython's `resubmit`) and
  /// returns its result. Only a finished load-balanced result can be
  /// resubmitted; a pending one throws `ParallelError.invalidArgument`
  /// naming its task, and nothing is submitted.
  public func resubmit() throws -> AsyncResult<Value> {
    guard let resubmitter else {
      throw ParallelError.invalidArgument("only load-balanced results can be resubmitted")
    }
    if let refusal = ParallelError.resubmitPending(state.pendingTaskIDs) { throw refusal }
    return try resubmitter()
  }

  /// The hub's ids of the tasks behind this result.
  public var taskIDs: [Int] { onlySlot < 0 ? Array(state.taskIDs) : [state.firstTaskID + onlySlot] }

  /// Whether every task has finished (successfully or not).
  public var isReady: Bool { onlySlot < 0 ? state.isReady : state.isFinished(slot: onlySlot) }

  /// Blocks until finished or `timeout` passes; true when finished.
  @discardableResult
  public func wait(timeout: Duration? = nil) -> Bool {
    let slot = onlySlot
    return state.wait(until: ResultContext.deadline(timeout)) {
      slot < 0 ? $0.pending == 0 : $0.isComplete(slot)
    }
  }

  /// The value; throws the remote error (a `RemoteError`, or a
  /// `CompositeError` for several engines), or `ParallelError.timeout` when
  /// `timeout` passes first (the tasks keep running).
  public func get(timeout: Duration? = nil) throws -> Value {
    guard wait(timeout: timeout) else {
      throw ParallelError.timeout(taskIDs: taskIDs, seconds: timeout.map(ResultContext.seconds) ?? 0)
    }
    return try settle()
  }

  /// The value, suspending until it is there.
  public var value: Value {
    get async throws {
      let slot = onlySlot
      await state.waitAsync { slot < 0 ? $0.pending == 0 : $0.isComplete(slot) }
      return try settle()
    }
  }

  /// nil until finished; then whether it succeeded.
  public var successful: Bool? {
    guard isReady else { return nil }
    return (try? settle()) != nil
  }

  /// The error, once finished and failed.
  public var error: (any Error)? {
    guard isReady else { return nil }
    do {
      _ = try settle()
      return nil
    } catch {
      return error
    }
  }

  /// Where and when each task ran.
  public var metadata: [TaskMetadata] {
    if onlySlot >= 0 { return [context.metadata(state.slot(onlySlot), submitted: state.submitted)] }
    return state.snapshot().map { context.metadata($0, submitted: state.submitted) }
  }

  /// Aborts the tasks not yet started, wherever they wait: in the hub, or
  /// on an engine behind earlier work (the engine drops them before it
  /// starts them); returns their ids. It returns once each engine holding
  /// such a task has finished the request it was running. Their slots fail
  /// with `ParallelError.aborted`.
  @discardableResult
  public func abort() throws -> [Int] { try context.hub.abort(Set(taskIDs)) }

  /// The finished value, or its error: computed once, then kept.
  private func settle() throws -> Value {
    let (value, inline, error) = lock.withLock { _ in
      (cachedValue, hasInlineValue ? inlineValue : nil, cachedError)
    }
    if let inline { return withUnsafeBytes(of: inline) { $0.load(as: Value.self) } }
    if let value { return value.assumingMemoryBound(to: Value.self).pointee }
    if let error { throw error }
    do {
      if onlySlot < 0, let failure = state.firstFailure() { throw failure }
      let value = try finish(state, context)
      lock.withLock { _ in
        guard cachedValue == nil, !hasInlineValue, cachedError == nil else { return }
        if _isPOD(Value.self) && MemoryLayout<Value>.size <= 16 && MemoryLayout<Value>.alignment <= 8 {
          withUnsafeMutableBytes(of: &inlineValue) { $0.storeBytes(of: value, as: Value.self) }
          hasInlineValue = true
          return
        }
        let memory = UnsafeMutableRawPointer.allocate(
          byteCount: MemoryLayout<Value>.size, alignment: MemoryLayout<Value>.alignment)
        memory.initializeMemory(as: Value.self, to: value)
        cachedValue = memory
      }
      return value
    } catch {
      lock.withLock { _ in
        if cachedValue == nil, !hasInlineValue, cachedError == nil { cachedError = error }
      }
      throw error
    }
  }
}

extension AsyncResult where Value: Decodable {
  /// The result of one call on one engine: `state`'s only slot, decoded
  /// straight from the reply (no map result in between). Inlinable, so that
  /// a program's calls make and decode it specialized for the result type.
  @inlinable
  static func call(_ state: ResultState, context: ResultContext) -> AsyncResult<Value> {
    AsyncResult(state: state, context: context) { state, context in
      let label = state.label
      // The slot is made only for a remote error (where it ran).
      guard state.slotCount > 0, let reply = state.firstReply() else { throw ParallelError.noEngines(label) }
      var (reader, _) = try context.callPayload(
        ofReply: reply, slot: { state.slot(0) }, batch: false, label: label, expected: Value.self)
      do {
        return try reader.decode(Value.self)
      } catch {
        throw ResultContext.decodingFailed(label: label, expected: Value.self, error)
      }
    }
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
