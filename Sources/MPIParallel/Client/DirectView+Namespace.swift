import Foundation

/// Moving data to and from the engines' namespaces: `push` and `view[name] =`
/// broadcast (MPI_Bcast), `scatter` and `gather` use MPI_Scatterv and
/// MPI_Gatherv, arrays of numbers as raw memory; `pull` asks each engine.
/// A collective's communicator ranks the engines in the view's order (the
/// hub creates one per order it meets), so part `i` of a scatter goes to
/// `targets[i]` and a gather reads the parts back in that order.
extension DirectView {
  /// Sets each name to its value on every engine of the view (one broadcast).
  @discardableResult
  public func push(_ values: [String: any Codable & Sendable]) -> AsyncResult<Void> {
    let label = "push(\(values.keys.sorted().joined(separator: ", ")))"
    if let error = client.invalidTarget(targets) { return failedVoid(label, error) }
    var blob = WireWriter()
    blob.write(UInt32(values.count))
    do {
      for (name, value) in values.sorted(by: { $0.key < $1.key }) {
        blob.write(name)
        blob.write(String(describing: type(of: value)))
        blob.writeBlob(try Wire.encode(any: value))
      }
    } catch {
      return failedVoid(
        label, ParallelError.encodingFailed(what: "the values of \(label)", reason: "\(error)"))
    }
    let (state, jobs) = acknowledgements(label: label, function: "push")
    return submitCollective(.broadcast(blob: blob.bytes, jobs: jobs), state: state)
  }

  /// Each engine's value of `name` as a `T`, in the view's order.
  @discardableResult
  public func pull<T: Codable & Sendable>(_ name: String, as type: T.Type = T.self) -> AsyncMapResult<T> {
    let label = "pull('\(name)')"
    if let error = client.invalidTarget(targets) { return failedMap(label, error) }
    let (state, jobs) = perEngine(label: label, function: label) {
      HubRequest.pull(taskID: $0, name: name).encode()
    }
    return submit(jobs, state: state, count: targets.count) { slot, context, values in
      guard case .reply(let bytes) = slot.outcome else { return }
      guard try EngineReply(header: bytes).succeeded else {
        throw context.remoteError(reply: bytes, slot: slot)
      }
      values.append(try context.decodePulled(bytes, slot: slot, name: name, as: T.self))
    }
  }

  /// Removes `name` from every engine; each engine says whether it had it.
  @discardableResult
  public func remove(_ name: String) -> AsyncMapResult<Bool> {
    let label = "remove('\(name)')"
    if let error = client.invalidTarget(targets) { return failedMap(label, error) }
    let (state, jobs) = perEngine(label: label, function: label) {
      HubRequest.remove(taskID: $0, name: name).encode()
    }
    return submit(
      jobs, state: state, count: targets.count, decoder: Client.callDecoder(batch: false, label: label))
  }

  /// Splits `values` into one block per engine (the first `count % engines`
  /// blocks one longer) and stores each block as `name` on its engine, the
  /// first block on the view's first engine (as IPython's scatter). With
  /// `flatten`, a block of one item is stored as the item itself, as
  /// `dv.scatter('id', rc.ids, flatten=True)`.
  @discardableResult
  public func scatter<T: Codable & Sendable>(_ name: String, _ values: [T], flatten: Bool = false)
    -> AsyncResult<Void>
  {
    let label = "scatter('\(name)')"
    if let error = client.invalidTarget(targets) { return failedVoid(label, error) }
    let parts = Partition.ranges(count: values.count, parts: targets.count)
    let mode: TransferMode
    let byteCounts: [Int]
    let typeNames: [String]
    let buffer: UnsafeRawBufferPointer
    let keepAlive: Any
    if let kind = ScalarKind.of(T.self) {
      mode = .raw(kind)
      byteCounts = parts.map { $0.count * kind.stride }
      typeNames = parts.map { flatten && $0.count == 1 ? kind.typeName : kind.arrayTypeName }
      buffer = values.withUnsafeBytes { $0 }
      keepAlive = values
    } else {
      mode = .encoded
      var joined = WireWriter()
      var counts: [Int] = []
      var names: [String] = []
      do {
        for part in parts {
          let before = joined.bytes.count
          if flatten && part.count == 1 {
            try joined.encode(values[part.lowerBound])
            names.append(Wire.typeName(T.self))
          } else {
            try joined.encode(Array(values[part]))
            names.append(Wire.typeName([T].self))
          }
          counts.append(joined.bytes.count - before)
        }
      } catch {
        return failedVoid(
          label, ParallelError.encodingFailed(what: "the values of \(label)", reason: "\(error)"))
      }
      byteCounts = counts
      typeNames = names
      let bytes = joined.bytes
      buffer = bytes.withUnsafeBytes { $0 }
      keepAlive = bytes
    }
    let (state, jobs) = acknowledgements(label: label, function: label)
    let plan = ScatterPlan(
      name: name, mode: mode, typeNames: typeNames, byteCounts: byteCounts, flatten: flatten, buffer: buffer,
      keepAlive: keepAlive, jobs: jobs)
    return submitCollective(.scatter(plan), state: state)
  }

  /// Concatenates every engine's array `name` in the view's order, so that
  /// a scatter then a gather on one view gives back the values (an engine
  /// holding a single element, from a flattened scatter, adds that element).
  @discardableResult
  public func gather<T: Codable & Sendable>(_ name: String, as type: [T].Type = [T].self) -> AsyncResult<[T]>
  {
    let label = "gather('\(name)')"
    if let error = client.invalidTarget(targets) {
      return AsyncResult(state: client.failedState(label, error), context: client.context) { _, _ in [] }
    }
    let kind = ScalarKind.of(T.self)
    let (state, jobs) = acknowledgements(label: label, function: label)
    let plan = GatherPlan(
      name: name, mode: kind.map { .raw($0) } ?? .encoded, elementTypeName: Wire.typeName(T.self),
      destination: { byteCount -> any GatherDestination in
        if kind == nil { return ByteDestination(byteCount: byteCount) }
        return ArrayDestination<T>(byteCount: byteCount)
      }, jobs: jobs)
    let result = AsyncResult<[T]>(state: state, context: client.context) { state, context in
      try DirectView.assembleGather(state.snapshot(), context: context, kind: kind, label: label)
    }
    post(DirectOperation(engines: targets, kind: .gather(plan)), state: state)
    return result
  }

  /// The value every engine of the view holds under `name` (nil when some
  /// engine lacks it or holds another value); setting it broadcasts the value
  /// to every engine (nil removes it), as `dv['x'] = 5`. Blocks until done; a
  /// setter cannot throw, so a failure is printed to standard error (use
  /// `push` to handle it).
  public subscript<T: Codable & Sendable>(name: String) -> T? {
    get {
      guard let values = try? pull(name, as: T.self).get(), let first = values.first,
        let firstBytes = try? Wire.encode(first),
        values.dropFirst().allSatisfy({ (try? Wire.encode($0)) == firstBytes })
      else { return nil }
      return first
    }
    nonmutating set {
      do {
        if let newValue {
          try push([name: newValue]).get()
        } else {
          _ = try remove(name).get()
        }
      } catch {
        FileHandle.standardError.write(
          Data("MPIParallel: setting '\(name)' on engines \(targets) failed: \(error)\n".utf8))
      }
    }
  }

  /// Each engine's value of `name`, in the view's order (nil where an engine lacks
  /// it or holds another type): `let parts: [[Double]?] = dv["a"]`.
  public subscript<T: Codable & Sendable>(name: String) -> [T?] {
    pull(name, as: T.self).outcomes.map { try? $0.get() }
  }

  // MARK: Internals

  /// One acknowledgement slot per engine of the view.
  private func acknowledgements(label: String, function: String) -> (ResultState, [Job]) {
    perEngine(label: label, function: function) { _ in [] }
  }

  /// One task per engine of the view, with one result slot each; `message`
  /// encodes a task's request from its id (collectives build theirs at dispatch).
  func perEngine(label: String, function: String, message: (Int) -> [UInt8]) -> (ResultState, [Job]) {
    let ids = client.hub.table.allocate(function: function, count: targets.count)
    let state = ResultState(label: label, taskIDs: ids, hub: client.hub)
    let jobs = targets.enumerated().map { index, engine in
      Job(
        taskID: ids.lowerBound + index, message: message(ids.lowerBound + index), result: state, slot: index,
        targets: nil, engine: engine, loadBalanced: false)
    }
    return (state, jobs)
  }

  private func submitCollective(_ kind: DirectOperation.Kind, state: ResultState) -> AsyncResult<Void> {
    post(DirectOperation(engines: targets, kind: kind), state: state)
    return AsyncResult(state: state, context: client.context) { state, context in
      let slots = state.snapshot()
      var failures: [RemoteError] = []
      for slot in slots {
        guard case .reply(let bytes) = slot.outcome else { continue }
        if try !EngineReply(header: bytes).succeeded {
          failures.append(context.remoteError(reply: bytes, slot: slot))
        }
      }
      if !failures.isEmpty { throw CompositeError(failures: failures, engineCount: slots.count) }
    }
  }

  private func post(_ operation: DirectOperation, state: ResultState) {
    do {
      try client.hub.post(.direct(operation))
    } catch {
      for index in 0..<state.slotCount { state.complete(slot: index, engineID: nil, outcome: .failed(error)) }
    }
  }

  private func failedVoid(_ label: String, _ error: any Error) -> AsyncResult<Void> {
    AsyncResult(state: client.failedState(label, error), context: client.context) { _, _ in }
  }

  /// Joins the gathered parts into one array (numbers with one copy each).
  static func assembleGather<T: Decodable>(
    _ slots: [ResultState.Slot], context: ResultContext, kind: ScalarKind?, label: String
  ) throws -> [T] {
    var failures: [RemoteError] = []
    var decoded: [T] = []
    var numbers: [T]?
    for slot in slots {
      guard case .gathered(let destination, let range, let failed) = slot.outcome else { continue }
      if kind != nil && !failed {
        // Every engine's numbers are already in place in the final array.
        numbers = numbers ?? (destination as? ArrayDestination<T>)?.array
        continue
      }
      guard let bytes = destination as? ByteDestination else { continue }
      var reader = WireReader(bytes[range])
      if failed {
        failures.append(
          context.remoteError(
            slot: slot, type: (try? reader.readString()) ?? "?", message: (try? reader.readString()) ?? "?",
            function: label))
        continue
      }
      do {
        switch try reader.read(UInt8.self) {
        case 0: decoded.append(contentsOf: try reader.decode([T].self))
        case 1: decoded.append(try reader.decode(T.self))
        default:
          failures.append(
            context.remoteError(
              slot: slot, type: try reader.readString(), message: try reader.readString(), function: label))
        }
      } catch {
        throw ParallelError.decodingFailed(
          what: "the parts of \(label)", expected: Wire.typeName([T].self), reason: "\(error)")
      }
    }
    if !failures.isEmpty { throw CompositeError(failures: failures, engineCount: slots.count) }
    return kind == nil ? decoded : numbers ?? []
  }

}
