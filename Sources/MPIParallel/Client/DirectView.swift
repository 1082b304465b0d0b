/// A fixed set of engines (IPython's DirectView): every call runs on each of
/// them and results come back in the view's order, the order its engines
/// were given (`client[[3, 2, 1, 0]]` lists engine 3's result first, as
/// IPython does); data moves with MPI collectives on a communicator of the
/// hub and these engines, its ranks in that same order.
///
/// Calls return at once with a result to wait on; requests to an engine run
/// in the order they were made, so a `scatter` followed by an `apply` sees the
/// scattered data without waiting in between.
public struct DirectView: Sendable, CustomStringConvertible {
  let client: Client
  /// The engine ids in the order given, which results, metadata and the
  /// parts of `scatter` and `gather` follow. An id given twice counts once,
  /// at its first place (`client[[2, 0, 2]]` is `[2, 0]`): a view runs each
  /// call once per engine.
  public let targets: [Int]

  init(client: Client, targets: [Int]) {
    self.client = client
    self.targets = DirectView.distinct(targets)
  }

  /// `targets` without repeats, each id at its first place.
  static func distinct(_ targets: [Int]) -> [Int] {
    if targets.count < 2 { return targets }
    var seen = Set<Int>()
    seen.reserveCapacity(targets.count)
    return targets.filter { seen.insert($0).inserted }
  }

  /// `<DirectView [3, 2, 1, 0]>`: the engines, in the view's order.
  public var description: String { "<DirectView \(targets)>" }

  /// Runs `function(arguments...)` on every engine; one result per engine.
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ arguments: repeat each A
  ) -> AsyncMapResult<R> {
    let label = function.registration.applyLabel
    let state = submitCall(function.registration, label: label) { writer in
      try function.encodeValues(repeat each arguments, into: &writer)
    }
    return callResult(state, label: label)
  }

  /// Runs a one-argument function on every engine with each engine's own
  /// namespace value `reference` as the argument.
  @discardableResult
  public func apply<A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<A, R>, _ reference: Reference
  ) -> AsyncMapResult<R> {
    apply(function, arguments: .reference(reference.name))
  }

  /// Runs `function` on every engine with arguments that are values or
  /// references to each engine's namespace: `apply(f, arguments: .reference("a"), .value(2))`.
  @_disfavoredOverload
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, arguments: repeat Argument<each A>
  ) -> AsyncMapResult<R> {
    let label = function.registration.applyLabel
    let state = submitCall(function.registration, label: label) { writer in
      try function.encodeArguments(repeat each arguments, into: &writer)
    }
    return callResult(state, label: label)
  }

  /// Runs a registered function on every engine with arguments already encoded.
  func apply<R>(
    label: String, registration: FunctionRegistration, encodedArguments encoded: [UInt8],
    decoder: @escaping AsyncMapResult<R>.SlotDecoder
  ) -> AsyncMapResult<R> {
    let state = submitCall(registration, label: label) { writer in
      encoded.withUnsafeBytes { writer.writeRaw($0) }
    }
    return AsyncMapResult(
      state: state, context: client.context, count: state.slotCount, ordered: true, decodeSlot: decoder)
  }

  /// One call's result per engine, decoded as `R`.
  func callResult<R: Decodable & Sendable>(_ state: ResultState, label: String) -> AsyncMapResult<R> {
    AsyncMapResult(
      state: state, context: client.context, count: state.slotCount, ordered: true,
      decodeSlot: Client.callDecoder(batch: false, label: label))
  }

  /// Submits one call of `registration` per engine, its arguments written by
  /// `arguments` (once, then copied into each engine's request); the state
  /// its replies fill, or a failed one when the call cannot be sent. Nothing
  /// here is generic, so a call costs no generic metadata lookups.
  @usableFromInline
  func submitCall(
    _ registration: FunctionRegistration, label: String, arguments: (inout WireWriter) throws -> Void
  ) -> ResultState {
    if let error = client.invalidTarget(targets) { return client.failedState(label, error) }
    if let refusal = registration.collectiveRefusal(
      targets: targets, engineCount: client.engineCount, how: "on engines \(targets)")
    {
      return client.failedState(label, ParallelError.invalidArgument(refusal))
    }
    // The arguments are encoded before any task id is taken, so a value that
    // fails to encode leaves no task behind; the id is written in afterwards.
    var first = HubRequest.callHeader(taskID: 0, callSignature: registration.callSignature, count: nil)
    do {
      try arguments(&first)
    } catch {
      return client.failedState(
        label, ParallelError.encodingFailed(what: "the arguments of \(label)", reason: "\(error)"))
    }
    let now = MonotonicClock.wallNow()
    let ids = client.hub.table.allocate(function: registration.name, count: targets.count, at: now)
    let state = ResultState(label: label, taskIDs: ids, hub: client.hub, submitted: now)
    if targets.count == 1 {
      // One engine (an engine's apply): one job, posted as it is.
      first.patch(UInt64(ids.lowerBound), at: HubRequest.callTaskIDOffset)
      let job = Job(
        taskID: ids.lowerBound, message: first.bytes, result: state, slot: 0, targets: nil,
        engine: targets[0],
        loadBalanced: false)
      do {
        try client.hub.post(.directCall(job))
      } catch {
        state.complete(slot: 0, engineID: nil, outcome: .failed(error))
      }
      return state
    }
    var jobs: [Job] = []
    jobs.reserveCapacity(targets.count)
    for (index, engine) in targets.enumerated() {
      // Each engine's request is the encoded one with its own task id: the
      // patch copies the bytes for all engines but the last, which takes them.
      var writer = first
      if index == targets.count - 1 { first = WireWriter(reservingCapacity: 0) }
      writer.patch(UInt64(ids.lowerBound + index), at: HubRequest.callTaskIDOffset)
      jobs.append(
        Job(
          taskID: ids.lowerBound + index, message: writer.bytes, result: state, slot: index, targets: nil,
          engine: engine, loadBalanced: false))
    }
    postRequests(jobs, state: state, collective: registration.collective)
    return state
  }

  /// Splits the inputs into one block per engine (as IPython's
  /// DirectView.map), the first block to the view's first engine, and runs
  /// `function` over each block; values in input order. Several sequences
  /// are zipped: `map(area, widths, heights)`.
  @discardableResult
  public func map<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ sequences: repeat [each A]
  ) -> AsyncMapResult<R> {
    let label = function.registration.mapLabel
    if let error = client.invalidTarget(targets) { return failedMap(label, error) }
    if let refusal = function.registration.collectiveRefusal(
      targets: nil, engineCount: client.engineCount, how: "in a map")
    {
      return failedMap(label, ParallelError.invalidArgument(refusal))
    }
    let count = Client.zippedCount(repeat each sequences)
    let parts = Partition.ranges(count: count, parts: targets.count).enumerated().filter {
      !$0.element.isEmpty
    }
    let ids = client.hub.table.allocate(function: function.name, count: parts.count)
    let state = ResultState(
      label: label, firstTaskID: ids.lowerBound,
      itemStarts: parts.map(\.element.lowerBound) + [parts.last?.element.upperBound ?? 0], hub: client.hub)
    var jobs: [Job] = []
    let header = Client.callHeader(function.registration, batch: true)
    do {
      for (slot, (engineIndex, range)) in parts.enumerated() {
        let taskID = ids.lowerBound + slot
        let message = try Client.callRequest(
          header: header, taskID: taskID, batch: true, count: range.count,
          arguments: { writer in
            for index in range { try function.encodeValues(repeat (each sequences)[index], into: &writer) }
          })
        jobs.append(
          Job(
            taskID: taskID, message: message, result: state, slot: slot, targets: nil,
            engine: targets[engineIndex], loadBalanced: false))
      }
    } catch {
      return failedMap(
        label, ParallelError.encodingFailed(what: "the inputs of \(label)", reason: "\(error)"))
    }
    return submit(jobs, state: state, count: count, decoder: Client.callDecoder(batch: true, label: label))
  }

  /// `map` over any sequence of inputs (a range, a slice, ...):
  /// `dv.map(f, xs[..<8])`. The inputs are copied into an array once; an
  /// array goes to the form above directly.
  @_disfavoredOverload
  @discardableResult
  public func map<A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<A, R>, _ sequence: some Sequence<A>
  ) -> AsyncMapResult<R> {
    let inputs = Array(sequence)
    return map(function, inputs)
  }

  func submit<R>(
    _ jobs: [Job], state: ResultState, count: Int, decoder: @escaping AsyncMapResult<R>.SlotDecoder
  ) -> AsyncMapResult<R> {
    postRequests(jobs, state: state)
    return AsyncMapResult(
      state: state, context: client.context, count: count, ordered: true, decodeSlot: decoder)
  }

  /// Hands requests to the hub as one direct operation; fails their slots
  /// when it is closed. (Its engine set only decides what waits for what, so
  /// it is kept sorted whatever the view's order.)
  private func postRequests(_ jobs: [Job], state: ResultState, collective: Bool = false) {
    guard !jobs.isEmpty else { return }
    do {
      try client.hub.post(
        .direct(
          DirectOperation(
            engines: jobs.count == 1 ? [jobs[0].engine] : Array(Set(jobs.map(\.engine))).sorted(),
            kind: .requests(jobs), usesEngineCommunicator: collective)))
    } catch {
      for job in jobs { state.complete(slot: job.slot, engineID: nil, outcome: .failed(error)) }
    }
  }

  func failedMap<R>(_ label: String, _ error: any Error) -> AsyncMapResult<R> {
    AsyncMapResult(
      state: client.failedState(label, error), context: client.context, count: 1, ordered: true,
      decodeSlot: { _, _, _ in })
  }
}
