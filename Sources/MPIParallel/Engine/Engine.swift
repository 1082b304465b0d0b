import MPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// An engine (every rank but 0): receives requests from the hub in order,
/// runs them, replies, and never stops because a task threw. Between messages
/// it polls with an adaptive back-off instead of MPI's spinning receive.
///
/// Requests that arrive while it works wait for it; before it starts one
/// that waited, it reads ahead every message that has arrived since
/// (`readAhead`), so an abort notice the hub sent for a waiting request
/// (`HubRequest.abort`) is seen before that request starts, and the request
/// is answered as aborted instead of run. A request that reaches an idle
/// engine starts at once.
///
/// One thread runs an engine, so its fields skip dynamic exclusivity checks
/// (`@exclusivity(unchecked)`).
final class Engine {
  let world: Communicator
  /// The hub's and the engines' own duplicate of world, for requests and
  /// replies: the receive an engine keeps posted on it can match nothing
  /// else (creating a communicator sends point-to-point messages on world).
  let channel: Communicator
  let registry: FunctionRegistry
  let namespace = Namespace()
  /// Where calls read their arguments from: one for every call (set to each
  /// call's request, then emptied), not an allocation per call.
  private let source: ArgumentSource
  /// Replaced when the hub rebuilds the engines' communicator (see `HubRequest.createCommunicator`).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) var context: EngineContext
  /// An added engine's spawn group alone (its MPI world); nil for an engine from the job's world.
  let ownGroup: Communicator?
  /// Communicators of the hub and a set of engines, by the hub's id.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) var communicators: [Int: Communicator] = [:]
  /// The engine ids in each of those communicators.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) var communicatorMembers: [Int: [Int]] = [:]
  /// Collectives given up because an engine in them was lost, with the
  /// memory they use: kept, since MPI may still read or write it.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) var abandonedCollectives: [(Request, Any)] = []
  /// The last call's function name and types as they arrived, and the
  /// function they named: a repeated call skips decoding and lookup.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var lastSignature: [UInt8] = []
  @exclusivity(unchecked) private var lastFunction: LastFunction?
  /// Replies held back while a bundle runs (sent together), and since when
  /// replies have been held: the bundle's start, or the last send of them.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var heldReplies: WireWriter?
  @exclusivity(unchecked) private var heldCount = 0
  @exclusivity(unchecked) private var heldSince = 0.0
  /// Replies sent together at most: a quarter of the bundle, so the hub can
  /// refill this engine while it runs the rest.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var flushEvery = Int.max
  /// The buffer calls' replies are written into, kept between calls (no
  /// allocation per reply; one that grew past `replyBufferLimit` is let go).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var replyBuffer = WireWriter(reservingCapacity: 256)
  private static let replyBufferLimit = 64 << 10
  /// How many bytes of replies the kept buffer holds before it is emptied.
  private static let replySpan = 4096
  /// The request being handled, copied out of its posted receive into
  /// storage reused from one request to the next (one that held a large
  /// message is let go).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var requestBytes: [UInt8] = []
  @exclusivity(unchecked) private var backoff = Backoff(now: MonotonicClock.now())
  @exclusivity(unchecked) private var idlePolls = 0
  @exclusivity(unchecked) private var lastIdleAction = Backoff.Action.spin
  /// Whether it stopped serving because it was retired (the job goes on without it).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private(set) var retired = false
  /// Requests read ahead of the one about to start, in the order they came
  /// (from `waitingHead` on).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var waiting: [[UInt8]] = []
  @exclusivity(unchecked) private var waitingHead = 0
  /// Tasks the hub aborted whose requests wait here unstarted: each is
  /// answered as aborted when its turn comes.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var abortedAhead = Set<Int>()
  /// Whether it found nothing to do since it took its last request: a
  /// request that comes then waited behind nothing.
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var idledSinceRequest = true
  /// The bundle being run: where its next request starts in `requestBytes`,
  /// and how many are left (nil outside a bundle).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var bundleRest: (offset: Int, items: Int)?
  /// When a bundle's requests last read ahead, and when its last reply was held (monotonic seconds).
  // Safe: the engine's thread alone (see the type).
  @exclusivity(unchecked) private var lastReadAhead = 0.0
  @exclusivity(unchecked) private var lastHeldAt = 0.0
  /// How often a bundle's requests read ahead at most: each request when
  /// they take longer, every so many when they take microseconds (a look
  /// costs about as much as a short task).
  private static let readAheadInterval = 1e-4

  /// `id` and `count` default to what `world` says (rank - 1, size - 1); an
  /// engine added to a running job gets them from the hub.
  init(
    world: Communicator, channel: Communicator, engines: Communicator, registry: FunctionRegistry,
    host: String, capabilities: Set<String> = [], id: Int? = nil, count: Int? = nil, ownGroup: Communicator? = nil
  ) {
    self.world = world
    self.ownGroup = ownGroup
    self.channel = channel
    self.registry = registry
    context = EngineContext(
      id: id ?? world.rank - 1, count: count ?? world.size - 1, rank: world.rank, host: host, communicator: engines,
      capabilities: capabilities, namespace: namespace)
    source = ArgumentSource(WireReader([]), namespace: namespace)
  }

  /// Says hello to the hub, then serves until the hub says shutdown.
  func serve() throws {
    let pid = getpid()
    CrashReporter.install(
      who: "engine \(context.id) (rank \(context.rank), host \(context.host), pid \(pid))")
    var hello = WireWriter()
    hello.write(UInt32(world.rank))
    hello.write(UInt32(pid))
    hello.write(context.host)
    hello.write(UInt32(context.capabilities.count))
    for capability in context.capabilities.sorted() { hello.write(capability) }
    try channel.send(hello.bytes, to: 0, tag: MessageTag.hello)

    EngineContext.active = context
    defer { EngineContext.active = nil }
    // The hub's next request lands in a receive posted for it: polling is a
    // test, not a probe. It is posted again at the next poll, once a request
    // is handled (its reply sent): a request that comes sooner waits in
    // MPI's queue, and the reply goes out without the repost before it.
    let requests = try ReceiveSlots(communicator: channel, sources: [0], capacity: Framing.engineSlotBytes)
    while true {
      let tag: Int
      if waitingHead < waiting.count {
        // A request read ahead: it waited behind earlier work.
        swap(&requestBytes, &waiting[waitingHead])
        waitingHead += 1
        if waitingHead == waiting.count {
          waiting.removeAll(keepingCapacity: true)
          waitingHead = 0
        }
        tag = MessageTag.request
        try readAhead(from: requests)
      } else {
        guard let arrival = try requests.next() else {
          idle()
          continue
        }
        tag = try Framing.take(arrival, from: requests, on: channel, into: &requestBytes)
        // One that came while the engine worked waited; one that came to an idle engine starts now.
        if !idledSinceRequest && tag == MessageTag.request { try readAhead(from: requests) }
      }
      idledSinceRequest = false
      var keepServing = true
      if tag == MessageTag.request {
        keepServing = try handle(requestBytes, requests: requests)
        if requestBytes.count > Framing.engineSlotBytes { requestBytes = [] }
      } else {
        StandardStreams.writeError("MPIParallel: engine \(context.id) dropped a message with tag \(tag)\n")
      }
      // The hub sends nothing after the shutdown.
      guard keepServing else { break }
      backoff.reset(now: MonotonicClock.now())
      lastIdleAction = .spin
    }
    // Nothing more comes: the receive posted for a next request goes.
    try? requests.cancel()
    for communicator in communicators.values { try? communicator.free() }
    communicators.removeAll()
  }

  private func idle() {
    idledSinceRequest = true
    // Nothing waits here: no notice read so far can name a request still to come.
    if !abortedAhead.isEmpty { abortedAhead.removeAll() }
    // While spinning, read the clock only every 64 polls (it costs as much as a poll).
    idlePolls &+= 1
    if idlePolls & 63 != 0 && lastIdleAction == .spin { return }
    lastIdleAction = backoff.idle(now: MonotonicClock.now())
    switch lastIdleAction {
    case .spin: break
    case .yield: sched_yield()
    case .sleep(let seconds): MonotonicClock.sleep(seconds)
    }
  }

  /// Takes every message that has arrived into `waiting` (requests) or
  /// `abortedAhead` (the tasks an abort notice names whose requests wait
  /// here unstarted: the one about to start, the rest of the bundle being
  /// run, or one read ahead). A notice follows the requests it names on
  /// the same tag, so each of them is here by now, or already handled.
  private func readAhead(from requests: ReceiveSlots) throws {
    var named: [Int] = []
    while let arrival = try requests.next() {
      var bytes: [UInt8] = []
      let tag = try Framing.take(arrival, from: requests, on: channel, into: &bytes)
      guard tag == MessageTag.request else {
        StandardStreams.writeError("MPIParallel: engine \(context.id) dropped a message with tag \(tag)\n")
        continue
      }
      guard bytes.first == HubRequest.Kind.abort.rawValue else {
        waiting.append(bytes)
        continue
      }
      var reader = WireReader(bytes)
      if case .abort(let ids)? = try? HubRequest.decode(&reader) { named += ids }
    }
    guard !named.isEmpty else { return }
    var unstarted = Set<Int>()
    if let rest = bundleRest {
      unstarted.formUnion(
        HubRequest.abortableTaskIDs(inBundle: requestBytes, from: rest.offset, items: rest.items))
    } else {
      unstarted.formUnion(HubRequest.abortableTaskIDs(in: requestBytes))
    }
    for message in waiting[waitingHead...] { unstarted.formUnion(HubRequest.abortableTaskIDs(in: message)) }
    for id in named where unstarted.contains(id) { abortedAhead.insert(id) }
  }

  /// Handles one request, or each request of a bundle; false once told to shut down.
  private func handle(_ bytes: [UInt8], requests: ReceiveSlots) throws -> Bool {
    guard bytes.first == HubRequest.Kind.bundle.rawValue else { return try handleOne(bytes) }
    var reader = WireReader(bytes)
    var keepServing = true
    defer { bundleRest = nil }
    do {
      _ = try reader.read(UInt8.self)
      let count = Int(try reader.read(UInt32.self))
      heldReplies = Self.replyBundle(capacity: 64 * count)
      heldSince = MonotonicClock.now()
      flushEvery = Swift.max(4, count / 4)
      for index in 0..<count where keepServing {
        // Each later request waited for the ones before it: read ahead for
        // abort notices (every request once they take longer than the interval).
        if index > 0 && lastHeldAt - lastReadAhead >= Self.readAheadInterval {
          bundleRest = (reader.offset, count - index)
          try readAhead(from: requests)
          lastReadAhead = lastHeldAt
        }
        let length = Int(try reader.read(UInt32.self))
        keepServing = try handleOne(try reader.readRaw(count: length))
      }
    } catch let error as MPIError {
      throw error
    } catch {
      StandardStreams.writeError(
        "MPIParallel: engine \(context.id) dropped the rest of a malformed bundle: \(error)\n")
    }
    try flushHeldReplies()
    heldReplies = nil
    return keepServing
  }

  /// Handles one request; false once told to shut down.
  private func handleOne(_ bytes: [UInt8]) throws -> Bool {
    if !abortedAhead.isEmpty, let taskID = HubRequest.abortableTaskID(of: bytes),
      abortedAhead.remove(taskID) != nil
    {
      try reply(EngineReply.aborted(taskID: taskID, completed: MonotonicClock.wallNow()))
      return true
    }
    if bytes.first == HubRequest.Kind.guarded.rawValue { return try handleGuarded(bytes) }
    if CrashReporter.recordsCrashes { CrashReporter.running(key: JournalKey.hash(ofRequest: bytes)) }
    if let last = lastFunction, runIfRepeated(bytes, last) { return true }
    var reader = WireReader(bytes)
    let request: HubRequest
    do {
      request = try HubRequest.decode(&reader)
    } catch {
      // Without a task id there is no one to reply to; say so and keep serving.
      StandardStreams.writeError("MPIParallel: engine \(context.id) dropped a malformed request: \(error)\n")
      return true
    }
    switch request {
    case .call(let taskID, let function, let argumentTypes, let resultType, let count):
      call(
        taskID: taskID, function: function, argumentTypes: argumentTypes, resultType: resultType,
        count: count,
        reader: reader)
    case .pull(let taskID, let name):
      let started = MonotonicClock.wallNow()
      do {
        let (typeName, encoded) = try namespace.encoded(name)
        var writer = EngineReply.success(
          taskID: taskID, started: started, completed: MonotonicClock.wallNow())
        writer.write(typeName)
        writer.writeBlob(encoded)
        try reply(writer.bytes)
      } catch {
        try fail(taskID: taskID, started: started, function: "pull('\(name)')", error: error)
      }
    case .remove(let taskID, let name):
      let started = MonotonicClock.wallNow()
      var writer = EngineReply.success(taskID: taskID, started: started, completed: started)
      writer.write(namespace.remove(name))
      try reply(writer.bytes)
    case .broadcast(let taskID, let communicator, let byteCount):
      try joinBroadcast(taskID: taskID, communicator: communicator, byteCount: byteCount)
    case .scatter(let taskID, let communicator, let name, let mode, let typeName, let byteCount, let flatten):
      try joinScatter(
        taskID: taskID, communicator: communicator, name: name, mode: mode, typeName: typeName,
        byteCount: byteCount, flatten: flatten)
    case .gather(let taskID, let communicator, let name, let mode, let elementTypeName):
      try joinGather(
        taskID: taskID, communicator: communicator, name: name, mode: mode, elementTypeName: elementTypeName)
    case .createCommunicator(let id, let engines, let groups, let enginesOnly):
      try joinCommunicator(id: id, engines: engines, groups: groups, enginesOnly: enginesOnly)
    case .shutdown(let taskID):
      // Goodbye first: the hub may stop listening once every engine has answered.
      LivenessBeacon.current?.goodbye()
      let now = MonotonicClock.wallNow()
      try reply(EngineReply.success(taskID: taskID, started: now, completed: now).bytes)
      return false
    case .retire(let taskID):
      LivenessBeacon.current?.goodbye()
      let now = MonotonicClock.wallNow()
      try reply(EngineReply.success(taskID: taskID, started: now, completed: now).bytes)
      retired = true
      return false
    case .abort:
      // Taken in its turn, after every request it names: none waits any more.
      break
    }
    return true
  }

  /// Runs `bytes` when it is a call whose function name and types are byte
  /// for byte the last call's (`last`, already looked up); false otherwise.
  /// It runs the call itself rather than return what it read: an optional
  /// tuple holding a reader was destroyed through generic value witnesses,
  /// about 190 instructions a call (callgrind).
  private func runIfRepeated(_ bytes: [UInt8], _ last: LastFunction) -> Bool {
    guard let kind = bytes.first,
      kind == HubRequest.Kind.call.rawValue || kind == HubRequest.Kind.batch.rawValue
    else { return false }
    var reader = WireReader(bytes)
    let taskID: Int
    var count: Int? = nil
    do {
      _ = try reader.read(UInt8.self)
      taskID = Int(try reader.read(UInt64.self))
      let start = reader.offset
      for _ in 0..<3 { try reader.skip(Int(try reader.read(UInt32.self))) }
      guard reader.offset - start == lastSignature.count,
        lastSignature.withUnsafeBytes({ cached in
          bytes.withUnsafeBytes { memcmp(cached.baseAddress!, $0.baseAddress! + start, cached.count) == 0 }
        })
      else { return false }
      if kind == HubRequest.Kind.batch.rawValue { count = Int(try reader.read(UInt32.self)) }
    } catch {
      return false
    }
    run(taskID: taskID, function: last, count: count, reader: reader)
    return true
  }

  private func call(
    taskID: Int, function: String, argumentTypes: String, resultType: String, count: Int?, reader: WireReader
  ) {
    let registration: FunctionRegistration
    do {
      registration = try registry.lookup(function, argumentTypes: argumentTypes, resultType: resultType)
    } catch {
      try? fail(taskID: taskID, started: MonotonicClock.wallNow(), function: function, error: error)
      return
    }
    var signature = WireWriter()
    signature.write(function)
    signature.write(argumentTypes)
    signature.write(resultType)
    lastSignature = signature.bytes
    let last = LastFunction(registration: registration)
    lastFunction = last
    run(taskID: taskID, function: last, count: count, reader: reader)
  }

  /// Runs a call (or a chunk of calls) and replies.
  private func run(taskID: Int, function last: LastFunction, count: Int?, reader: WireReader) {
    // (Each use reads through `last`: a local copy of the registration
    // would retain every one of its fields.)
    let function = last.registration.name
    let started = MonotonicClock.wallNow()
    CrashReporter.running(taskID: taskID, function: function)
    defer { CrashReporter.idle() }
    // Each reply is written after the last one in the kept buffer, which is
    // emptied only once it holds `replySpan` bytes: emptying an array goes
    // through `replaceSubrange`, about 80 instructions a call (callgrind).
    var writer = WireWriter(reservingCapacity: 0)
    swap(&writer, &replyBuffer)
    if writer.count > Self.replySpan { writer.truncate(to: 0) }
    let start = writer.count
    defer {
      if writer.count <= Self.replyBufferLimit { swap(&writer, &replyBuffer) }
    }
    do {
      EngineReply.writeSuccess(taskID: taskID, started: started, count: count, into: &writer)
      source.reader = reader
      defer { source.reader = WireReader([]) }
      if let count {
        for _ in 0..<count { try last.registration.invoke(source, &writer) }
      } else {
        try last.registration.invoke(source, &writer)
      }
      if !source.reader.isAtEnd {
        throw EngineError.malformedMessage(
          "\(source.reader.remaining) bytes left after the arguments of '\(function)' \(last.registration.signature.argumentTypes)"
        )
      }
      EngineReply.stamp(completed: MonotonicClock.wallNow(), in: &writer, at: start)
      try reply(writer.bytes, from: start)
    } catch {
      writer.truncate(to: start)
      // A task that declines this engine sends its request back: the hub
      // need not have kept it to send it elsewhere.
      try? fail(
        taskID: taskID, started: started, function: function, error: error,
        request: error is UnmetDependency ? reader.bytes : nil)
    }
  }

  /// A call behind a functional dependency (IPython's `@depend`): the engine
  /// evaluates the named predicate first and runs the call only when it holds;
  /// otherwise it answers "unmet" and the hub tries another engine.
  private func handleGuarded(_ bytes: [UInt8]) throws -> Bool {
    var reader = WireReader(bytes)
    let taskID: Int
    let predicate: String
    do {
      _ = try reader.read(UInt8.self)
      taskID = Int(try reader.read(UInt64.self))
      predicate = try reader.readString()
    } catch {
      StandardStreams.writeError(
        "MPIParallel: engine \(context.id) dropped a malformed guarded request: \(error)\n")
      return true
    }
    let started = MonotonicClock.wallNow()
    do {
      let function = try registry.lookup(predicate, argumentTypes: "()", resultType: "Bool")
      var result = WireWriter()
      try function.invoke(ArgumentSource(WireReader([]), namespace: namespace), &result)
      guard try Wire.decode(Bool.self, from: result.bytes) else {
        try reply(
          EngineReply.failure(
            taskID: taskID, started: started, completed: MonotonicClock.wallNow(),
            errorType: "UnmetDependency",
            message: "dependency '\(predicate)' does not hold on engine \(context.id)", function: predicate,
            status: EngineReply.unmetStatus))
        return true
      }
    } catch {
      try fail(taskID: taskID, started: started, function: predicate, error: error)
      return true
    }
    return try handleOne(try reader.readRaw(count: reader.remaining))
  }

  /// Sends a reply to the hub; inside a bundle, holds it to send with the
  /// others, a quarter of the bundle at a time, or with those held so far
  /// once a millisecond has passed since the bundle started or replies were
  /// last sent (a slow task's reply, and its neighbours', go out as it ends).
  /// (The reply is `bytes` from `start` on.)
  func reply(_ bytes: [UInt8], from start: Int = 0) throws {
    guard heldReplies != nil else {
      return try Framing.send(
        bytes, from: start, to: 0, tag: MessageTag.reply, limit: Framing.hubSlotBytes, on: channel)
    }
    let now = MonotonicClock.now()
    lastHeldAt = now
    heldReplies!.write(UInt32(bytes.count - start))
    bytes.withUnsafeBytes { heldReplies!.writeRaw(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    heldCount += 1
    if heldCount >= flushEvery || now - heldSince > 1e-3 {
      try flushHeldReplies()
      heldSince = now
    }
  }

  /// Sends the held replies as one bundle: their count (in the slot kept at
  /// the front), then length and reply each.
  private func flushHeldReplies() throws {
    guard heldCount > 0, heldReplies != nil else { return }
    heldReplies!.patch(UInt32(heldCount), at: 0)
    try Framing.send(
      heldReplies!.bytes, to: 0, tag: MessageTag.replyBundle, limit: Framing.hubSlotBytes, on: channel)
    heldReplies = Self.replyBundle(capacity: heldReplies!.count)
    heldCount = 0
  }

  /// An empty bundle of replies, its count's slot reserved.
  private static func replyBundle(capacity: Int) -> WireWriter {
    var writer = WireWriter(reservingCapacity: capacity)
    writer.write(UInt32(0))
    return writer
  }

  /// Sends an error reply naming the error's type and message; a task that
  /// threw `UnmetDependency` declines to run here (the hub may try another
  /// engine), as a functional dependency that does not hold.
  func fail(taskID: Int, started: Double, function: String, error: Error, request: [UInt8]? = nil) throws {
    try reply(
      EngineReply.failure(
        taskID: taskID, started: started, completed: MonotonicClock.wallNow(),
        errorType: Self.typeName(of: error), message: String(describing: error), function: function,
        status: error is UnmetDependency ? EngineReply.unmetStatus : 1, request: request))
  }

  static func typeName(of error: Error) -> String {
    if error is WireError { return "DecodingError" }
    return String(describing: type(of: error))
  }

  func communicator(_ id: Int) throws -> Communicator {
    guard let communicator = communicators[id] else {
      throw EngineError.malformedMessage("unknown communicator \(id)")
    }
    return communicator
  }
}

/// The function of the last call, held by reference: a repeated call takes
/// it with one retain instead of copying every field of the registration.
private final class LastFunction {
  let registration: FunctionRegistration
  init(registration: FunctionRegistration) { self.registration = registration }
}
