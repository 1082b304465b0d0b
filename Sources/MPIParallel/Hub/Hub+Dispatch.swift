import Foundation
import Logging
import MPI

/// Moving work to the engines and replies back: load-balanced dispatch by the
/// scheduling scheme, direct operations in order per engine, non-blocking sends.
extension Hub {
  /// Sends a job's request to its engine without blocking (a deferred
  /// chunk's written now: see `MapSource.job`).
  func send(_ job: Job) throws {
    if let source = job.source { return try send(job, writtenBy: source) }
    register(job)
    try transmit(wire(job), to: job.engine)
    releaseRequest(of: job)
  }

  /// Sends a deferred chunk of `source` (see `MapSource.job`), its request
  /// written now into the hub's reused writer: no array per request. A
  /// chunk that fails to encode fails alone.
  ///
  /// Each request is written after the ones before it, and the writer is
  /// emptied only once it holds `requestWriterSpan` bytes: emptying an
  /// array goes through `replaceSubrange`, about 60 instructions a call
  /// here (callgrind), for a request of about 50 bytes.
  private func send(_ job: Job, writtenBy source: MapSource) throws {
    var writer = WireWriter(reservingCapacity: 0)
    swap(&writer, &loop.pointee.requestWriter)
    defer { swap(&writer, &loop.pointee.requestWriter) }
    if writer.count > Self.requestWriterSpan { writer.truncate(to: 0) }
    let start = writer.count
    do {
      try source.write(job.slot, &writer)
    } catch {
      writer.truncate(to: start)
      fail(
        job, with: ParallelError.encodingFailed(what: "task \(job.taskID)", reason: "\(error)"),
        state: .failed)
      return
    }
    if journal != nil {
      // Its record needs the key, and the request is not kept.
      job.journalKey = writer.bytes.withUnsafeBytes {
        loop.pointee.journalKeys.key(ofRequest: UnsafeRawBufferPointer(rebasing: $0[start...]))
      }
    }
    register(job)
    // A send still in progress keeps these bytes; the next write then starts a new buffer.
    try transmit(writer.bytes, from: start, to: job.engine)
  }

  /// How many bytes of requests the hub's writer holds before it is emptied.
  static var requestWriterSpan: Int { 4096 }

  /// Drops a sent job's request when nothing can need it again (no flags,
  /// so no retry; no journal, so no key to compute from it): its memory is
  /// freed now, while the engine works, not when the reply is back.
  /// (When a lost engine's tasks can run again, each request is kept until answered.)
  private func releaseRequest(of job: Job) {
    if job.sharedFlags == nil && journal == nil && !survivesLoss { job.message = [] }
  }

  /// The bytes a job travels as: its request, wrapped when the engine must
  /// check a functional dependency first (the job keeps the bare request,
  /// so a retry on another engine is wrapped again).
  private func wire(_ job: Job) -> [UInt8] {
    guard let predicate = job.sharedFlags?.value.dependsOn else { return job.message }
    return HubRequest.guarded(job.message, taskID: job.taskID, predicate: predicate)
  }

  /// Counts a job against its engine and waits for its reply. It starts
  /// there at once when the engine holds nothing sent before it; else it
  /// waits there, queued (see `startsNext`).
  private func register(_ job: Job) {
    let starts = engines[job.engine].outstanding == 0
    engines[job.engine].hold(job)
    inFlightCount += 1
    if job.loadBalanced { loadBalancedInFlight += 1 }
    table.markSent(job.taskID, engine: job.engine, starts: starts)
    if starts && job.sharedFlags != nil { noteStart(of: job) }
  }

  /// Sends a request (the bytes of `message` from `start` on) without
  /// blocking; one larger than an engine's posted receive goes announced,
  /// in two messages (see `Framing`).
  func transmit(_ message: [UInt8], from start: Int = 0, to engine: Int) throws {
    let byteCount = message.count - start
    guard byteCount > Framing.engineSlotBytes else {
      return try isend(message, from: start, to: engine, tag: MessageTag.request)
    }
    try isend(
      Framing.announcement(tag: MessageTag.request, byteCount: byteCount), to: engine,
      tag: MessageTag.large)
    try isend(message, from: start, to: engine, tag: MessageTag.largePayload)
  }

  /// A small message usually completes within `isend` (MPI copies it out
  /// at once); only one still in progress is kept, with its bytes, to test later.
  private func isend(_ message: [UInt8], from start: Int = 0, to engine: Int, tag: Int) throws {
    guard engine < engineInfos.count else { return try isendToSpawned(message, from: start, to: engine, tag: tag) }
    guard
      let request = try message.withUnsafeBytes({
        try channel.isendUnlessDone(UnsafeRawBufferPointer(rebasing: $0[start...]), to: engine + 1, tag: tag)
      })
    else { return }
    sends.append(PendingSend(request: request, bytes: message, engine: engine))
  }

  /// `isend` to an engine that joined the job, on its group's channel.
  private func isendToSpawned(_ message: [UInt8], from start: Int, to engine: Int, tag: Int) throws {
    guard let (group, rank) = spawnedLink(of: engine) else {
      throw ParallelError.noSuchEngine(id: engine, available: roster.upIDs)
    }
    guard
      let request = try message.withUnsafeBytes({
        try group.channel.isendUnlessDone(UnsafeRawBufferPointer(rebasing: $0[start...]), to: rank, tag: tag)
      })
    else { return }
    sends.append(PendingSend(request: request, bytes: message, engine: engine))
  }

  /// Several registered jobs for one engine as one message (a bundle).
  private func transmit(bundle jobs: [Job], to engine: Int) throws {
    guard jobs.count > 1 else {
      try transmit(wire(jobs[0]), to: engine)
      return releaseRequest(of: jobs[0])
    }
    var writer = WireWriter(reservingCapacity: jobs.reduce(5) { $0 + 4 + $1.message.count })
    writer.write(HubRequest.Kind.bundle.rawValue)
    writer.write(UInt32(jobs.count))
    for job in jobs {
      let message = wire(job)
      writer.write(UInt32(message.count))
      message.withUnsafeBytes { writer.writeRaw($0) }
    }
    try transmit(writer.bytes, to: engine)
    for job in jobs { releaseRequest(of: job) }
  }

  /// Drops completed sends; true when some completed.
  func progressSends() throws -> Bool {
    var progressed = false
    var index = 0
    while index < sends.count {
      if try sends[index].request.test() {
        sends.swapAt(index, sends.count - 1)
        sends.removeLast()
        progressed = true
      } else {
        index += 1
      }
    }
    return progressed
  }

  /// Receives one message an engine sent, if any; true when one arrived.
  ///
  /// One per pass of the loop, not all that are waiting: the engine a reply
  /// frees gets its next task at once, a waiting driver sees its reply
  /// sooner, and the probe that would find nothing more is spared. Measured
  /// with `Scripts/bench`'s cases against draining up to 256 per pass: the
  /// farm ran about a fifth more tasks per second at hwm 1 and about a
  /// quarter more at hwm 64 (smaller, sooner bundles), and the round trip
  /// was no slower.
  ///
  /// Each engine's next message lands in a receive posted for it
  /// (`replySlots`): polling for it is a test, not a probe. It is copied
  /// into a buffer kept from one message to the next (`Framing.take`: one
  /// `memcpy` when it is as long as the last); a reply the hub keeps whole
  /// takes that buffer's storage when it fits it, else an exact copy
  /// (`Framing.kept`), and one whose values it decodes at once is not kept.
  func receiveMessages() throws -> Bool {
    if !loop.pointee.answered.isEmpty { letGoOfAnswered() }
    guard let arrival = try replySlots.next() else {
      return loop.pointee.spawned.isEmpty ? false : try receiveFromSpawned()
    }
    let tag = try Framing.take(arrival, from: replySlots, on: channel, into: &loop.pointee.replyBuffer)
    let bytes = loop.pointee.replyBuffer
    // A large message's buffer is not kept for the small ones after it.
    if bytes.count > Framing.hubSlotBytes { loop.pointee.replyBuffer = [] }
    try completeMessage(bytes, tag: tag, from: arrival.source - 1)
    return true
  }

  /// Handles a message engine `engine` sent: a reply, or a bundle of them.
  @inline(__always)
  func completeMessage(_ bytes: [UInt8], tag: Int, from engine: Int) throws {
    switch tag {
    case MessageTag.reply:
      try complete(reply: bytes, from: engine)
    case MessageTag.replyBundle:
      try completeBundle(bytes, from: engine)
    default:
      StandardStreams.writeError("MPIParallel: the hub dropped a message with tag \(tag) from engine \(engine)\n")
    }
  }

  /// Lets the jobs answered since the last receive go: a map chunk's job
  /// goes back to its source for a later chunk, when nothing else holds it.
  private func letGoOfAnswered() {
    while let job = loop.pointee.answered.popLast() {
      if let source = job.source { _ = source.recycle(consume job) }
    }
  }

  /// Splits an engine's bundle of replies (count, then length and reply each).
  private func completeBundle(_ bytes: [UInt8], from engine: Int) throws {
    var reader = WireReader(bytes)
    do {
      let count = Int(try reader.read(UInt32.self))
      for _ in 0..<count {
        let reply = try reader.readRaw(count: Int(try reader.read(UInt32.self)))
        try complete(reply: reply, from: engine)
      }
    } catch let error as WireError {
      StandardStreams.writeError(
        "MPIParallel: the hub dropped a malformed reply bundle from engine \(engine): \(error)\n")
    }
  }

  /// Completes the job that the reply in `bytes` answers; a map's chunk
  /// may carry its map's next chunk to the same engine at once (see
  /// `chainsNextChunk`).
  private func complete(reply bytes: [UInt8], from engine: Int) throws {
    guard engine >= 0 && engine < engines.count, let header = try? EngineReply(header: bytes),
      let job = engines[engine].takeAnswered(taskID: header.taskID)
    else {
      // A lost engine's last replies, or a failed collective's, have no job any more.
      if !droppedQuietly(reply: bytes, from: engine) {
        StandardStreams.writeError(
          "MPIParallel: the hub dropped a reply it cannot match from engine \(engine)\n")
      }
      return
    }
    let taskID = header.taskID
    inFlightCount -= 1
    if job.loadBalanced { loadBalancedInFlight -= 1 }
    // The engine takes its next request now, if it holds one.
    let next = startsNext(on: engine)
    if adaptsHighWaterMark && job.loadBalanced { coverLatency(of: engine, header: header, next: next != nil) }
    // An abort that named this task learns its fate once the table says it.
    var abortedHere = header.aborted
    defer { if !loop.pointee.abortsAwaited.isEmpty { settleAwaitedAbort(taskID, aborted: abortedHere) } }
    if header.aborted {
      abortedHere = completeAborted(job)
      if let next { markRunning(next, on: engine) }
      loop.pointee.answered.append(job)
      return
    }
    if header.unmet, job.sharedFlags == nil, job.loadBalanced, queueDeclined(job, reply: bytes) {
      if let next { markRunning(next, on: engine) }
      return
    }
    if job.sharedFlags != nil {
      completedSinceReview = true
      // Its run is over: its run timeout no longer applies (a retry counts its own).
      if !runDeadlines.isEmpty { runDeadlines.removeAll { $0.taskID == taskID } }
      if timedOut.remove(taskID) != nil
        || retryIfWanted(job, unmet: header.unmet, succeeded: header.succeeded)
      {
        if let next { markRunning(next, on: engine) }
        return
      }
    } else if !blocked.isEmpty {
      completedSinceReview = true
    }
    engines[job.engine].completed += 1
    if logsDecisions {
      RuntimeLog.hub.debug(
        "task \(taskID) \(header.succeeded ? "succeeded" : "failed") on engine \(job.engine)")
    }
    table.markFinished(
      taskID, state: header.succeeded ? .succeeded : .failed, started: header.started,
      completed: header.completed, startedNext: next?.id ?? 0)
    if let next, next.flagged { noteStart(ofNextOn: engine) }
    if journal == nil {
      job.result.complete(
        slot: job.slot, engineID: job.engine,
        outcome: outcome(
          of: job, reply: bytes, succeeded: header.succeeded))
    } else {
      // The journal packs the reply's bytes; the result waits for its record.
      let sequence = record(
        job, state: header.succeeded ? .succeeded : .failed, reply: bytes, header: header, engine: job.engine)
      deliver(
        job, engineID: job.engine,
        outcome: outcome(
          of: job, reply: bytes, succeeded: header.succeeded),
        after: sequence)
    }
    // A map's chunk carries its map's next chunk to the same engine when
    // that is the dispatch's only choice, or goes back to its source now, to
    // carry a later chunk (no release, no list); any other job is let go at
    // the next receive.
    if let source = job.source {
      var job = consume job
      if chainsNextChunk(of: source, on: engine), isKnownUniquelyReferenced(&job),
        let index = queue.takeChunk(of: source)
      {
        job.reuse(taskID: source.firstTaskID + index, slot: index)
        job.engine = engine
        source.dropSparesWhenDone()
        markUsed(engine)
        return try send(job, writtenBy: source)
      }
      if let kept = source.recycle(consume job) { loop.pointee.answered.append(kept) }
    } else {
      loop.pointee.answered.append(job)
    }
  }

  /// Whether the next load-balanced task `dispatchQueued` would send is
  /// `source`'s next chunk, to `engine`, which has just answered its chunk:
  /// the queue holds `source` next (see `JobQueue.takeChunk`), and `engine`
  /// is the one engine with room and may run the map's chunks. Nothing
  /// else would then go first: no direct operation, no blocked task, no
  /// journal that may answer a task without an engine; and no engine holds
  /// direct work, which counts against the high-water mark (so the count of
  /// load-balanced tasks out says which engines are full). The chunk then goes
  /// out from the reply's handling on the answered job, without the
  /// dispatch's look at every engine and its scheme's choice among one:
  /// under callgrind, about 740 fewer instructions per task for rank 0 in
  /// a farm at hwm 1.
  @inline(__always)
  private func chainsNextChunk(of source: MapSource, on engine: Int) -> Bool {
    highWaterMark == 1 && loadBalancedInFlight == engines.count - 1 && !settles
      && !hasReservedEngines && !holdsDirectWork && directQueue.isEmpty && blocked.isEmpty
      && state == .running && !logsDecisions && (source.targets?.contains(engine) ?? true)
  }

  /// Whether some engine holds direct work (a request, or a gather not
  /// over): the jobs in flight are not all load-balanced, or a collective
  /// runs. While none does, each engine's load is its load-balanced tasks.
  /// (Read straight from the loop's state: asked before each task.)
  @inline(__always)
  var holdsDirectWork: Bool {
    loop.pointee.inFlightCount != loop.pointee.loadBalancedInFlight || !loop.pointee.collectives.isEmpty
  }

  /// Dates engine `id`'s latest load-balanced task (for the schemes that
  /// prefer the engine used longest ago).
  @inline(__always)
  private func markUsed(_ id: Int) {
    useClock += 1
    engines[id].lastUsed = useClock
  }

  /// What a reply makes of its job's slot: its values, decoded now where the
  /// result has typed storage for them, else the reply itself.
  @inline(__always)
  private func outcome(of job: Job, reply bytes: [UInt8], succeeded: Bool)
    -> ResultState.Outcome
  {
    if succeeded, let replies = job.result.replies,
      replies.store(reply: bytes, items: job.result.items(ofSlot: job.slot))
    {
      return .decoded
    }
    return .reply(Framing.kept(bytes))
  }

  /// Hands queued load-balanced jobs to engines below their high-water mark,
  /// as the scheme chooses; true when any went out.
  func dispatchQueued() throws -> Bool {
    // Most passes between replies find every engine full: they stop here.
    let settles = self.settles
    guard settles || someEngineHasRoom else { return false }
    var progressed = false
    // The candidates' array is kept between calls (no allocation per task).
    var candidates: [EngineLoad] = []
    swap(&candidates, &loop.pointee.candidates)
    defer { swap(&candidates, &loop.pointee.candidates) }
    // With room for several tasks per engine, each engine's tasks of this
    // round travel as one message; the choices are the same either way.
    let bundling = highWaterMark != 1
    var bundles = [Int: [Job]]()
    // Between replies every engine is usually full: taking a task only to
    // put it back would cost more than this look. (With a journal that
    // holds earlier results, tasks it answers need no engine: they are
    // taken whether or not one has room.)
    while !queue.isEmpty && (settles || someEngineHasRoom) {
      // A chunk is written as it is sent unless the journal may answer it
      // first (it then needs the request to find the chunk's key).
      let taken = queue.removeFirst(deferring: !settles && !bundling) { job, error in
        fail(
          job, with: ParallelError.encodingFailed(what: "task \(job.taskID)", reason: "\(error)"),
          state: .failed)
      }
      guard let next = taken else { break }
      if settles, settleFromJournal(next) {
        progressed = true
        continue
      }
      var allowed = next.targets
      let flags = next.flags
      if let flags {
        switch admit(next, flags) {
        case .blocked:
          blocked.append(next)
          continue
        case .failed: continue
        case .allowed(let engines): allowed = engines
        }
      }
      // Field by field: a copy of each engine's slot would retain its in-flight list.
      // (Written over the last task's candidates: emptying the array goes through `replaceSubrange`.)
      var count = 0
      for id in engines.indices {
        guard hasRoom(id) else { continue }
        if let allowed, !allowed.contains(id) { continue }
        let load = EngineLoad(id: id, outstanding: engines[id].outstanding, lastUsed: engines[id].lastUsed)
        if count < candidates.count { candidates[count] = load } else { candidates.append(load) }
        count += 1
      }
      if count < candidates.count { candidates.removeLast(candidates.count - count) }
      guard let chosen = select(flags?.scheme, from: candidates) else {
        if enginesDown > 0, failIfNoEngineLeft(next, allowed: allowed) { continue }
        queue.pushFront(next)
        break
      }
      next.engine = chosen
      if logsDecisions {
        RuntimeLog.hub.debug(
          "task \(next.taskID) -> engine \(chosen) (\((flags?.scheme ?? clusterScheme).rawValue); loads \(candidates.map { "\($0.id):\($0.outstanding)" }.joined(separator: " ")))"
        )
      }
      markUsed(chosen)
      progressed = true
      if bundling {
        register(next)
        bundles[chosen, default: []].append(next)
        if bundles[chosen]!.count >= Self.maximumBundle {
          try transmit(bundle: bundles.removeValue(forKey: chosen)!, to: chosen)
        }
      } else {
        try send(next)
      }
    }
    if bundling { for (engine, jobs) in bundles { try transmit(bundle: jobs, to: engine) } }
    return progressed
  }

  /// Whether some engine may take another load-balanced task. With no
  /// engine held back and no direct work out, the count of tasks out says
  /// so without a look at each engine (the dispatch asks before each task,
  /// and most passes between replies find every engine full).
  @inline(__always)
  private var someEngineHasRoom: Bool {
    let answer: Bool
    if loop.pointee.hasReservedEngines || adaptsHighWaterMark || (highWaterMark != 0 && holdsDirectWork) {
      answer = anyEngineHasRoom()
    } else if highWaterMark == 0 {
      answer = !loop.pointee.engines.isEmpty && loop.pointee.enginesDown == 0
    } else {
      answer = loop.pointee.loadBalancedInFlight < loop.pointee.engines.count * highWaterMark
    }
    assert(answer == anyEngineHasRoom(), "Hub: the count of load-balanced tasks out is off")
    return answer
  }

  /// Whether some engine has room, engine by engine.
  @inline(never)
  private func anyEngineHasRoom() -> Bool { engines.indices.contains(where: hasRoom) }

  /// Whether engine `id` may take another load-balanced task (see `EngineSlot.hasRoom`).
  private func hasRoom(_ id: Int) -> Bool {
    engines[id].hasRoom(highWaterMark: adaptsHighWaterMark ? engines[id].cover.limit : highWaterMark)
  }

  /// Feeds an engine's automatic high-water mark with a reply's times. The
  /// engine's wait for its next task measures a round trip when it now holds
  /// nothing and load-balanced work is queued (the hub sends it at once).
  private func coverLatency(of engine: Int, header: EngineReply, next: Bool) {
    let waited = !next && !queue.isEmpty
    guard engines[engine].cover.observe(started: header.started, completed: header.completed, waitedForTheHub: waited)
    else { return }
    if logsDecisions {
      let cover = engines[engine].cover
      RuntimeLog.hub.debug(
        "engine \(engine) holds up to \(cover.limit) tasks (round trip \(cover.roundTrip) s, run time \(cover.runTime) s)")
    }
  }

  /// The most tasks one message carries.
  static var maximumBundle: Int { 256 }

  /// Starts the direct operations whose engines are free of earlier ones, in
  /// order; engines with operations waiting get no new load-balanced tasks.
  func dispatchDirect() throws -> Bool {
    guard !directQueue.isEmpty else {
      return false
    }
    // The common case, one operation of plain requests and no engine held
    // back: it goes out at once, with no bookkeeping of blocked engines.
    if directQueue.count == 1, !hasReservedEngines, !directQueue[0].usesEngineCommunicator,
      case .requests(let jobs) = directQueue[0].kind
    {
      directQueue.removeAll(keepingCapacity: true)
      for job in jobs { try send(job) }
      return true
    }
    var progressed = false
    var blocked = Set<Int>()
    var index = 0
    while index < directQueue.count {
      let operation = directQueue[index]
      if operation.engines.contains(where: blocked.contains) {
        blocked.formUnion(operation.engines)
        index += 1
        continue
      }
      if try start(operation) {
        directQueue.remove(at: index)
        progressed = true
      } else {
        blocked.formUnion(operation.engines)
        index += 1
      }
    }
    hasReservedEngines = !blocked.isEmpty || enginesDown > 0
    for id in engines.indices { engines[id].reserved = blocked.contains(id) || engines[id].state != .up }
    return progressed
  }

  /// Starts one direct operation; false when it must wait (a communicator to
  /// create while its engines are still busy).
  private func start(_ operation: DirectOperation) throws -> Bool {
    switch operation.kind {
    case .requests(let jobs):
      if operation.usesEngineCommunicator, loop.pointee.engineCommunicatorSet != operation.engines {
        guard try rebuildEngineCommunicator(for: operation.engines) else { return false }
      }
      for job in jobs { try send(job) }
      return true
    case .broadcast, .scatter, .gather:
      guard let (id, communicator) = try communicator(for: operation.engines) else { return false }
      try startCollective(operation, communicatorID: id, communicator: communicator)
      return true
    }
  }
}
