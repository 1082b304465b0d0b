/// IPython's LoadBalancedView: a master-worker farm. Each task goes to the
/// engine the hub's scheme picks (least load by default: the fewest
/// outstanding tasks, the least recently used among equals), at most
/// `highWaterMark` requests per engine at once, its direct work included.
///
/// Scheduling flags (dependencies, retries, timeouts, required capabilities,
/// a functional dependency, the scheme, a cost hint) apply to a view, to one
/// call, or to a block, as IPython's `set_flags` and `temp_flags`:
///
/// ```swift
/// let careful = lview.with(TaskFlags(retries: 2))            // a view with flags
/// careful.apply(f, x)                                        // every call of it
/// lview.with(TaskFlags(after: Dependency(first.taskIDs))).apply(g, y)  // one call
/// try lview.withFlags(TaskFlags(timeout: .seconds(5))) { view in ... }  // a block
/// ```
public struct LoadBalancedView: Sendable {
  let client: Client
  /// The engines tasks may go to (nil: any).
  public let targets: [Int]?
  /// The flags every call of this view carries.
  public private(set) var flags = TaskFlags()

  init(client: Client, targets: [Int]?, flags: TaskFlags = TaskFlags()) {
    self.client = client
    self.targets = targets
    self.flags = flags
  }

  /// This view with `flags` over its own (set fields of `flags` win).
  public func with(_ flags: TaskFlags) -> LoadBalancedView {
    LoadBalancedView(client: client, targets: targets, flags: self.flags.merged(with: flags))
  }

  /// Runs `body` with a view carrying `flags` as well as this view's (IPython's `temp_flags`).
  public func withFlags<T>(_ flags: TaskFlags, _ body: (LoadBalancedView) throws -> T) rethrows -> T {
    try body(with(flags))
  }

  /// Runs `function(arguments...)` once, on whichever engine the scheme picks.
  @inlinable
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ arguments: repeat each A
  ) -> AsyncResult<R> {
    applyCall(
      function.registration,
      decoder: Client.callDecoder(batch: false, label: function.registration.applyLabel)
    ) { writer in
      try function.encodeValues(repeat each arguments, into: &writer)
    }
  }

  /// Runs a one-argument function once with the chosen engine's namespace
  /// value `reference` as the argument (as the DirectView's).
  @discardableResult
  public func apply<A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<A, R>, _ reference: Reference
  ) -> AsyncResult<R> {
    apply(function, arguments: .reference(reference.name))
  }

  /// Runs `function` once with arguments that are values or references to the
  /// chosen engine's namespace.
  @_disfavoredOverload
  @inlinable
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, arguments: repeat Argument<each A>
  ) -> AsyncResult<R> {
    applyCall(
      function.registration,
      decoder: Client.callDecoder(batch: false, label: function.registration.applyLabel)
    ) { writer in
      try function.encodeArguments(repeat each arguments, into: &writer)
    }
  }

  /// Submits one call of `registration`, its arguments written by `arguments`.
  @usableFromInline
  func applyCall<R: Decodable>(
    _ registration: FunctionRegistration, decoder: @escaping AsyncMapResult<R>.SlotDecoder,
    arguments: @escaping @Sendable (inout WireWriter) throws -> Void
  ) -> AsyncResult<R> {
    let many: AsyncMapResult<R> = submit(
      label: registration.applyLabel, registration: registration, count: 1, chunkSize: 1, ordered: true,
      batch: false, costs: flags.cost.map { [$0] }, decoder: decoder
    ) { _, writer in
      try arguments(&writer)
    }
    return AsyncResult.single(many)
  }

  /// Runs `function` over the inputs (several sequences are zipped), each
  /// chunk of `chunkSize` items a task of its own (a chunk size past the
  /// items makes one chunk), handed to engines as they become free. Values
  /// come back in input order; iteration follows input order when
  /// `ordered`, else completion order. With `costs` (an estimate
  /// per item) the hub hands out the costliest chunks first (LPT), which
  /// finishes sooner than any order-keeping balancer.
  ///
  /// (Inlinable, as the other entry points: a program's calls read and
  /// encode its inputs specialized for their types.)
  @inlinable
  @discardableResult
  public func map<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ sequences: repeat [each A], chunkSize: Int = 1,
    ordered: Bool = true, costs: [Double]? = nil
  ) -> AsyncMapResult<R> {
    submitMap(
      function.registration, count: Client.zippedCount(repeat each sequences), chunkSize: chunkSize,
      ordered: ordered, costs: costs
    ) { index, writer in
      try function.encodeValues(repeat (each sequences)[index], into: &writer)
    }
  }

  /// `map` over one sequence: the same calls as the form above, with each
  /// input read and written in code made for its type. (An item read
  /// through a parameter pack goes through the generic array subscript and
  /// value witnesses: under callgrind, about 220 more instructions per task
  /// for the hub, which writes each chunk as an engine takes it.)
  @inlinable
  @discardableResult
  public func map<A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<A, R>, _ sequence: [A], chunkSize: Int = 1, ordered: Bool = true,
    costs: [Double]? = nil
  ) -> AsyncMapResult<R> {
    submitMap(
      function.registration, count: sequence.count, chunkSize: chunkSize, ordered: ordered, costs: costs
    ) {
      index, writer in
      try writer.writeArgument(sequence[index])
    }
  }

  /// `map` over any sequence of inputs (a range, a slice, ...):
  /// `lview.map(f, 0..<32)`. The inputs are copied into an array once; an
  /// array goes to the form above directly.
  @_disfavoredOverload
  @inlinable
  @discardableResult
  public func map<A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<A, R>, _ sequence: some Sequence<A>, chunkSize: Int = 1,
    ordered: Bool = true, costs: [Double]? = nil
  ) -> AsyncMapResult<R> {
    let inputs = Array(sequence)
    return map(function, inputs, chunkSize: chunkSize, ordered: ordered, costs: costs)
  }

  /// Submits a map of `count` calls of `registration`, both forms above;
  /// `arguments` writes call `index`'s arguments.
  @inlinable
  func submitMap<R: Codable & Sendable>(
    _ registration: FunctionRegistration, count: Int, chunkSize: Int, ordered: Bool, costs: [Double]?,
    arguments: @escaping @Sendable (Int, inout WireWriter) throws -> Void
  ) -> AsyncMapResult<R> {
    let label = registration.mapLabel
    return submit(
      label: label, registration: registration, count: count, chunkSize: chunkSize, ordered: ordered,
      batch: true, costs: costs, decoder: Client.callDecoder(batch: true, label: label), arguments: arguments)
  }

  /// Submits `count` calls of a registered function in chunks; `arguments`
  /// writes call `index`'s arguments.
  @usableFromInline
  func submit<R: Decodable>(
    label: String, registration: FunctionRegistration, count: Int, chunkSize: Int, ordered: Bool,
    batch: Bool, costs: [Double]?, decoder: @escaping AsyncMapResult<R>.SlotDecoder,
    arguments: @escaping @Sendable (Int, inout WireWriter) throws -> Void
  ) -> AsyncMapResult<R> {
    let failed = { (error: any Error) in
      AsyncMapResult<R>(
        state: client.failedState(label, error), context: client.context, count: 1, ordered: true,
        decodeSlot: { _, _, _ in })
    }
    guard chunkSize > 0 else {
      return failed(ParallelError.invalidArgument("chunkSize must be at least 1, not \(chunkSize)"))
    }
    if let targets, let error = client.invalidTarget(targets) { return failed(error) }
    if client.engines.isEmpty { return failed(ParallelError.noEngines(label)) }
    if let refusal = registration.collectiveRefusal(
      targets: nil, engineCount: client.engineCount, how: "on a LoadBalancedView")
    {
      return failed(ParallelError.invalidArgument(refusal))
    }
    do {
      try flags.validate()
      if let costs { try CostOrder.validate(costs, count: count) }
    } catch {
      return failed(error)
    }
    // Checked once per submission, so the chunk arithmetic below (and in
    // each task's encoding) stays within Int however large the request.
    let chunkSize = Self.effectiveChunkSize(chunkSize, count: count)
    let chunkCount = (count + chunkSize - 1) / chunkSize
    let chunkCosts = costs.map { costs in
      (0..<chunkCount).map { chunk in
        costs[(chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize)].reduce(0, +)
      }
    }
    let flags = self.flags == TaskFlags() ? nil : self.flags
    let targets = self.targets
    // Submits the chunks as new tasks (`chosen`: only those chunks, each a
    // task again, for `Client.resubmit(taskIDs:)`); a resubmission calls it again.
    let hubClient = self.client
    let typeName = Wire.typeName(R.self)
    @Sendable func run(_ chosen: [Int]? = nil) throws -> AsyncMapResult<R> {
      let now = MonotonicClock.wallNow()
      let taskCount = chosen?.count ?? chunkCount
      let ids = hubClient.hub.table.allocate(function: registration.name, count: taskCount, at: now)
      if let flags {
        let dependencies = (flags.after?.taskIDs ?? []).union(flags.follow?.taskIDs ?? [])
        if !dependencies.isEmpty {
          try DependencyRules.checkCycles(Dictionary(uniqueKeysWithValues: ids.map { ($0, dependencies) }))
        }
      }
      @Sendable func items(ofChunk chunk: Int) -> Range<Int> {
        (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize)
      }
      // Where each task's items start in the result (nil: one item per task).
      var itemStarts: [Int]?
      var itemCount = count
      if let chosen {
        var starts = [0]
        for chunk in chosen { starts.append(starts.last! + items(ofChunk: chunk).count) }
        itemCount = starts.last!
        if chunkSize > 1 { itemStarts = starts }
      } else if chunkSize > 1 {
        itemStarts = Array(stride(from: 0, to: count, by: chunkSize)) + [count]
      }
      // A map's numbers are decoded by the hub as they arrive (see `TypedReplies`).
      let replies = batch ? TypedReplies<R>(count: itemCount, batch: true) : nil
      let state =
        itemStarts.map {
          ResultState(
            label: label, firstTaskID: ids.lowerBound, itemStarts: $0, hub: hubClient.hub, submitted: now,
            replies: replies)
        } ?? ResultState(label: label, taskIDs: ids, hub: hubClient.hub, submitted: now, replies: replies)
      let result = AsyncMapResult(
        state: state, context: hubClient.context, count: itemCount, ordered: ordered,
        resubmit: { try run(chosen) }, registry: hubClient.submissions, decodeSlot: decoder)
      hubClient.submissions.add(
        ResubmitRegistry.Entry(
          taskIDs: ids, state: state, typeName: typeName,
          resubmit: { tasks in try run(tasks.map { chosen?[$0] ?? $0 }) }))
      guard taskCount > 0 else { return result }
      // Chunks are encoded when an engine takes them, not all up front,
      // each from one header made here.
      let first = ids.lowerBound
      let header = Client.callHeader(registration, batch: batch)
      let source: MapSource
      if let chosen {
        source = MapSource(
          firstTaskID: first, count: taskCount, result: state, targets: targets, flags: flags,
          costs: chunkCosts.map { costs in chosen.map { costs[$0] } }
        ) { task, writer in
          let items = items(ofChunk: chosen[task])
          HubRequest.writeCall(
            from: header, taskID: first + task, count: batch ? items.count : nil, into: &writer)
          for index in items { try arguments(index, &writer) }
        }
      } else {
        source = MapSource(
          firstTaskID: first, count: chunkCount, result: state, targets: targets, flags: flags,
          costs: chunkCosts
        ) { chunk, writer in
          let items = (chunk * chunkSize)..<Swift.min(count, (chunk + 1) * chunkSize)
          HubRequest.writeCall(
            from: header, taskID: first + chunk, count: batch ? items.count : nil, into: &writer)
          for index in items { try arguments(index, &writer) }
        }
      }
      do {
        try hubClient.hub.post(.loadBalancedMap(source))
      } catch {
        for slot in 0..<taskCount { state.complete(slot: slot, engineID: nil, outcome: .failed(error)) }
      }
      return result
    }
    do {
      return try run()
    } catch {
      return failed(error)
    }
  }

  /// The chunk size a map of `count` items uses for a requested `chunkSize`
  /// (at least 1): no larger than the items, since a chunk past them is the
  /// same single chunk, nor than a task's item count on the wire (a UInt32).
  /// Kept this small, `count + chunkSize` and `(chunk + 1) * chunkSize` cannot
  /// overflow.
  static func effectiveChunkSize(_ chunkSize: Int, count: Int) -> Int {
    Swift.min(chunkSize, Swift.max(count, 1), Int(UInt32.max))
  }
}

extension LoadBalancedView: CustomStringConvertible {
  /// `<LoadBalancedView>`, or with the engines it is limited to:
  /// `<LoadBalancedView [2, 1]>`.
  public var description: String { targets.map { "<LoadBalancedView \($0)>" } ?? "<LoadBalancedView>" }
}
