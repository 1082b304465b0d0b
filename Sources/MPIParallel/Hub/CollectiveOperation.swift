import MPI

/// A collective the hub has started on a communicator of itself and some
/// engines: its requests are tested in the hub loop, never waited on.
final class CollectiveOperation {
  enum Stage {
    /// Broadcast or scatter: wait for the hub's part to finish (engines acknowledge separately).
    case sending(Request)
    /// Gather, first step: every engine's part length.
    case gatheringLengths(Request, lengths: UnsafeMutableRawBufferPointer)
    /// Gather, second step: the parts.
    case gatheringParts(Request, destination: any GatherDestination, ranges: [Range<Int>], failed: [Bool])
    case done
  }

  let operation: DirectOperation
  let communicator: Communicator
  var stage: Stage
  /// Memory the requests read from, kept alive until they complete.
  var keepAlive: [Any] = []

  init(operation: DirectOperation, communicator: Communicator, stage: Stage) {
    self.operation = operation
    self.communicator = communicator
    self.stage = stage
  }
}

extension Hub {
  /// Announces a collective to its engines (in order with their other
  /// requests) and starts the hub's non-blocking part.
  func startCollective(_ operation: DirectOperation, communicatorID id: Int, communicator: Communicator)
    throws
  {
    let roots = communicator.size
    switch operation.kind {
    case .requests:
      preconditionFailure("requests are not collective")
    case .broadcast(let blob, let jobs):
      for job in jobs {
        job.message = HubRequest.broadcast(taskID: job.taskID, communicator: id, byteCount: blob.count)
          .encode()
        try send(job)
      }
      let request = try blob.withUnsafeBytes {
        try communicator.ibroadcast(UnsafeMutableRawBufferPointer(mutating: $0), root: 0)
      }
      let collective = CollectiveOperation(
        operation: operation, communicator: communicator, stage: .sending(request))
      collective.keepAlive = [blob]
      collectives.append(collective)
    case .scatter(let plan):
      for (index, job) in plan.jobs.enumerated() {
        job.message = HubRequest.scatter(
          taskID: job.taskID, communicator: id, name: plan.name, mode: plan.mode,
          typeName: plan.typeNames[index],
          byteCount: plan.byteCounts[index], flatten: plan.flatten
        ).encode()
        try send(job)
      }
      let counts = [0] + plan.byteCounts
      var displacements = [0]
      var offset = 0
      for count in plan.byteCounts {
        displacements.append(offset)
        offset += count
      }
      let request = try communicator.iscatterv(
        plan.buffer, counts: counts, displacements: displacements,
        into: UnsafeMutableRawBufferPointer(start: nil, count: 0), root: 0)
      let collective = CollectiveOperation(
        operation: operation, communicator: communicator, stage: .sending(request))
      collective.keepAlive = [plan.keepAlive]
      collectives.append(collective)
    case .gather(let plan):
      for job in plan.jobs {
        let message = HubRequest.gather(
          taskID: job.taskID, communicator: id, name: plan.name, mode: plan.mode,
          elementTypeName: plan.elementTypeName
        ).encode()
        try transmit(message, to: job.engine)
        table.markSent(job.taskID, engine: job.engine, starts: engines[job.engine].outstanding == 0)
        engines[job.engine].outstanding += 1
      }
      let lengths = UnsafeMutableRawBufferPointer.allocate(byteCount: 8 * roots, alignment: 8)
      lengths.initializeMemory(as: UInt8.self, repeating: 0)
      let request = try communicator.igatherv(
        UnsafeRawBufferPointer(start: nil, count: 0), into: lengths,
        counts: [0] + Array(repeating: 8, count: roots - 1),
        displacements: (0..<roots).map { max(0, $0 - 1) * 8 }, root: 0)
      collectives.append(
        CollectiveOperation(
          operation: operation, communicator: communicator,
          stage: .gatheringLengths(request, lengths: lengths)))
    }
  }

  /// Tests the collectives in flight; true when one moved on.
  func progressCollectives() throws -> Bool {
    var progressed = false
    var index = 0
    while index < collectives.count {
      let collective = collectives[index]
      if try advance(collective) { progressed = true }
      if case .done = collective.stage {
        collectives.remove(at: index)
      } else {
        index += 1
      }
    }
    return progressed
  }

  private func advance(_ collective: CollectiveOperation) throws -> Bool {
    switch collective.stage {
    case .done:
      return false
    case .sending(let request):
      guard try request.test() else { return false }
      collective.stage = .done
      collective.keepAlive.removeAll()
      return true
    case .gatheringLengths(let request, let lengths):
      guard try request.test() else { return false }
      let engineCount = collective.communicator.size - 1
      var ranges: [Range<Int>] = []
      var failed: [Bool] = []
      var offset = 0
      for index in 0..<engineCount {
        let length = Int(
          Int64(littleEndian: lengths.loadUnaligned(fromByteOffset: 8 * index, as: Int64.self)))
        ranges.append(offset..<offset + abs(length))
        failed.append(length < 0)
        offset += abs(length)
      }
      lengths.deallocate()
      guard case .gather(let plan) = collective.operation.kind else { preconditionFailure("not a gather") }
      // Numbers land in the final array unless an engine sent an error instead.
      let destination: any GatherDestination =
        failed.contains(true) ? ByteDestination(byteCount: offset) : plan.destination(offset)
      let request = try collective.communicator.igatherv(
        UnsafeRawBufferPointer(start: nil, count: 0), into: destination.bytes,
        counts: [0] + ranges.map(\.count),
        displacements: [0] + ranges.map(\.lowerBound), root: 0)
      collective.stage = .gatheringParts(request, destination: destination, ranges: ranges, failed: failed)
      return true
    case .gatheringParts(let request, let destination, let ranges, let failed):
      guard try request.test() else { return false }
      collective.stage = .done
      guard case .gather(let plan) = collective.operation.kind else { return true }
      let now = MonotonicClock.wallNow()
      for (index, job) in plan.jobs.enumerated() {
        engines[job.engine].outstanding -= 1
        engines[job.engine].completed += 1
        markNextRunning(on: job.engine)
        table.markFinished(
          job.taskID, state: failed[index] ? .failed : .succeeded, started: now, completed: now)
        let sequence = record(
          job, state: failed[index] ? .failed : .succeeded, reply: nil, engine: job.engine)
        deliver(
          job, engineID: job.engine, outcome: .gathered(destination, ranges[index], failed: failed[index]),
          after: sequence)
      }
      return true
    }
  }
}
