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
    batch: Bool, arguments: @escaping (Int, ArgumentSink) throws -> Void
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
    let chunkCount = (count + chunkSize - 1) / chunkSize
    let ids = client.hub.table.allocate(function: function.name, count: chunkCount)
    let state = ResultState(
      label: label, firstTaskID: ids.lowerBound,
      itemStarts: Array(stride(from: 0, to: count, by: chunkSize)) + [count], hub: client.hub)
    let result = AsyncMapResult(
      state: state, context: client.context, count: count, ordered: ordered,
      decodeSlot: Client.callDecoder(batch: batch, label: label) as AsyncMapResult<R>.SlotDecoder)
    guard chunkCount > 0 else { return result }
    // Chunks are encoded when an engine takes them, not all up front.
    let first = ids.lowerBound
    let registration = function.registration
    let source = MapSource(firstTaskID: first, count: chunkCount, result: state, targets: targets) { chunk in
      let items = (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize)
      return try Client.callRequest(
        taskID: first + chunk, function: registration, batch: batch, count: items.count
      ) { sink in
        for index in items { try arguments(index, sink) }
      }
    }
    do {
      try client.hub.post(.loadBalancedMap(source))
    } catch {
      for slot in 0..<chunkCount { state.complete(slot: slot, engineID: nil, outcome: .failed(error)) }
    }
    return result
  }
}
