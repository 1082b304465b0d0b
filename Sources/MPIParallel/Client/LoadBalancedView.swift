/// IPython's LoadBalancedView: a master-worker farm. Each task goes to the
/// engine the hub's scheme picks (least load by default: the fewest
/// outstanding tasks, the least recently used among equals), at most
/// `highWaterMark` tasks per engine at once.
public struct LoadBalancedView: Sendable {
  let client: Client
  /// The engines tasks may go to (nil: any).
  public let targets: [Int]?

  /// Runs `function(arguments...)` once, on whichever engine is free first.
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ arguments: repeat each A
  ) -> AsyncResult<R> {
    apply(function, arguments: repeat .value(each arguments))
  }

  /// Runs `function` once with arguments that are values or references to the
  /// chosen engine's namespace.
  @_disfavoredOverload
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, arguments: repeat Argument<each A>
  ) -> AsyncResult<R> {
    let label = "apply(\(function.name))"
    let many: AsyncMapResult<R> = submit(
      label: label, function: function, count: 1, chunkSize: 1, ordered: true, batch: false
    ) {
      _, sink in try function.encodeArguments(repeat each arguments, into: sink)
    }
    return AsyncResult(state: many.state, context: many.context) { _, _ in
      switch many.outcomes.first {
      case .success(let value): return value
      case .failure(let error as CompositeError) where error.failures.count == 1: throw error.failures[0]
      case .failure(let error): throw error
      case nil: throw ParallelError.noEngines(label)
      }
    }
  }

  /// Runs `function` over the inputs (several sequences are zipped), each
  /// chunk of `chunkSize` items a task of its own, handed to engines as they
  /// become free. Values come back in input order; iteration follows input
  /// order when `ordered`, else completion order.
  @discardableResult
  public func map<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ sequences: repeat [each A], chunkSize: Int = 1,
    ordered: Bool = true
  ) -> AsyncMapResult<R> {
    var count = Int.max
    for sequence in repeat each sequences { count = Swift.min(count, sequence.count) }
    if count == Int.max { count = 0 }
    return submit(
      label: "map(\(function.name))", function: function, count: count, chunkSize: chunkSize,
      ordered: ordered,
      batch: true
    ) {
      index, sink in try function.encodeArguments(repeat .value((each sequences)[index]), into: sink)
    }
  }

  private func submit<each A: Codable & Sendable, R: Codable & Sendable>(
    label: String, function: RemoteFunction<repeat each A, R>, count: Int, chunkSize: Int, ordered: Bool,
    batch: Bool, arguments: (Int, ArgumentSink) throws -> Void
  ) -> AsyncMapResult<R> {
    let failed = { (error: any Error) in
      AsyncMapResult<R>(
        state: client.failedState(label, error), context: client.context, count: 1, ordered: true,
        decodeSlot: { _, _ in [] })
    }
    guard chunkSize > 0 else {
      return failed(ParallelError.invalidArgument("chunkSize must be at least 1, not \(chunkSize)"))
    }
    if let targets, let error = client.invalidTarget(targets) { return failed(error) }
    if client.engines.isEmpty { return failed(ParallelError.noEngines(label)) }
    let chunks = Partition.chunks(count: count, chunkSize: chunkSize)
    let ids = client.hub.table.allocate(function: function.name, count: chunks.count)
    let state = ResultState(
      label: label,
      slots: chunks.enumerated().map {
        ResultState.Slot(taskID: ids.lowerBound + $0.offset, items: $0.element)
      }, hub: client.hub)
    var jobs: [Job] = []
    jobs.reserveCapacity(chunks.count)
    do {
      for (slot, chunk) in chunks.enumerated() {
        let taskID = ids.lowerBound + slot
        let message = try Client.callRequest(
          taskID: taskID, function: function.registration, batch: batch, count: chunk.count
        ) { sink in
          for index in chunk { try arguments(index, sink) }
        }
        jobs.append(
          Job(
            taskID: taskID, message: message, result: state, slot: slot, targets: targets, engine: -1,
            loadBalanced: true))
      }
    } catch {
      return failed(ParallelError.encodingFailed(what: "the inputs of \(label)", reason: "\(error)"))
    }
    let result = AsyncMapResult(
      state: state, context: client.context, count: count, ordered: ordered,
      decodeSlot: Client.callDecoder(batch: batch, label: label) as AsyncMapResult<R>.SlotDecoder)
    if !jobs.isEmpty {
      do {
        try client.hub.post(.loadBalanced(jobs))
      } catch {
        for job in jobs { state.complete(slot: job.slot, engineID: nil, outcome: .failed(error)) }
      }
    }
    return result
  }
}
