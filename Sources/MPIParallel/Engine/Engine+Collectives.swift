import MPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The engine's side of the hub's collectives: it joins them in the order the
/// hub announced them. The hub uses non-blocking collectives, and MPI matches
/// those only with non-blocking ones, so the engine starts the same calls and
/// waits on them (it has nothing else to do).
extension Engine {
  /// Receives a broadcast of namespace entries (count, then name, type name
  /// and encoding per entry) and stores them; acknowledges.
  func joinBroadcast(taskID: Int, communicator id: Int, byteCount: Int) throws {
    let started = MonotonicClock.wallNow()
    let communicator = try communicator(id)
    var buffer = [UInt8](repeating: 0, count: byteCount)
    let request = try buffer.withUnsafeMutableBytes { try communicator.ibroadcast($0, root: 0) }
    if let lost = try waitUnlessAbandoned(request, communicator: id, keeping: buffer) {
      return try fail(taskID: taskID, started: started, function: "push", error: lost)
    }
    do {
      var reader = WireReader(buffer)
      let count = Int(try reader.read(UInt32.self))
      var entries: [(String, String, [UInt8])] = []
      for _ in 0..<count {
        entries.append((try reader.readString(), try reader.readString(), try reader.readBlob()))
      }
      for (name, typeName, bytes) in entries { namespace.setEncoded(name, bytes: bytes, typeName: typeName) }
      try reply(
        EngineReply.success(taskID: taskID, started: started, completed: MonotonicClock.wallNow()).bytes)
    } catch {
      try fail(taskID: taskID, started: started, function: "push", error: error)
    }
  }

  /// Receives this engine's part of a scatter into `name`; acknowledges.
  func joinScatter(
    taskID: Int, communicator id: Int, name: String, mode: TransferMode, typeName: String, byteCount: Int,
    flatten: Bool
  ) throws {
    let started = MonotonicClock.wallNow()
    let communicator = try communicator(id)
    switch mode {
    case .raw(let kind):
      let count = byteCount / kind.stride
      if flatten && count == 1 {
        var element = [UInt8](repeating: 0, count: byteCount)
        try element.withUnsafeMutableBytes {
          try communicator.iscatterv(nil, counts: [], displacements: [], into: $0, root: 0).wait()
        }
        let scalar = element.withUnsafeBytes { raw -> any Codable & Sendable in kind.makeScalar(from: raw) }
        namespace.set(name, boxed: scalar)
      } else {
        let array: any Codable = try kind.makeArray(count: count) {
          try communicator.iscatterv(nil, counts: [], displacements: [], into: $0, root: 0).wait()
        }
        namespace.set(name, boxed: array)
      }
    case .encoded:
      var bytes = [UInt8](repeating: 0, count: byteCount)
      try bytes.withUnsafeMutableBytes {
        try communicator.iscatterv(nil, counts: [], displacements: [], into: $0, root: 0).wait()
      }
      namespace.setEncoded(name, bytes: bytes, typeName: typeName)
    }
    try reply(
      EngineReply.success(taskID: taskID, started: started, completed: MonotonicClock.wallNow()).bytes)
  }

  /// Sends this engine's part of a gather: first its length (negative for an
  /// error), then the bytes. Raw parts are the numbers' memory; encoded parts
  /// start with a flag byte (0 array, 1 single element, 2 error).
  func joinGather(
    taskID: Int, communicator id: Int, name: String, mode: TransferMode, elementTypeName: String
  ) throws {
    let communicator = try communicator(id)
    CrashReporter.running(taskID: taskID, function: "gather('\(name)')")
    defer { CrashReporter.idle() }
    // (A gather whose engine was lost fails on the hub's side at once; this
    // engine gives up its part then, and its buffers are kept for MPI.)
    func send(_ part: UnsafeRawBufferPointer, failed: Bool, keeping owner: Any) throws {
      let length = UnsafeMutableRawBufferPointer.allocate(byteCount: 8, alignment: 8)
      length.storeBytes(of: Int64(part.count) * (failed ? -1 : 1), as: Int64.self)
      let first = try communicator.igatherv(
        UnsafeRawBufferPointer(length), into: nil, counts: [], displacements: [], root: 0)
      if try waitUnlessAbandoned(first, communicator: id, keeping: length) != nil { return }
      length.deallocate()
      let second = try communicator.igatherv(part, into: nil, counts: [], displacements: [], root: 0)
      _ = try waitUnlessAbandoned(second, communicator: id, keeping: owner)
    }
    func errorBytes(_ error: Error) -> [UInt8] {
      var writer = WireWriter()
      writer.write(Self.typeName(of: error))
      writer.write(String(describing: error))
      return writer.bytes
    }
    switch mode {
    case .raw(let kind):
      do {
        let value = try rawValue(name, kind: kind)
        try Self.withRawBytes(of: value) { try send($0, failed: false, keeping: value) }
      } catch let error as MPIError {
        throw error
      } catch {
        let bytes = errorBytes(error)
        try bytes.withUnsafeBytes { try send($0, failed: true, keeping: bytes) }
      }
    case .encoded:
      var part = WireWriter()
      do {
        let (typeName, bytes) = try namespace.encoded(name)
        if typeName == "Array<\(elementTypeName)>" {
          part.write(UInt8(0))
        } else if typeName == elementTypeName {
          part.write(UInt8(1))
        } else {
          throw EngineError.typeMismatch(name: name, stored: typeName, requested: "Array<\(elementTypeName)>")
        }
        bytes.withUnsafeBytes { part.writeRaw($0) }
      } catch {
        part = WireWriter()
        part.write(UInt8(2))
        errorBytes(error).withUnsafeBytes { part.writeRaw($0) }
      }
      let bytes = part.bytes
      try bytes.withUnsafeBytes { try send($0, failed: false, keeping: bytes) }
    }
  }

  /// Waits for a collective's `request` on communicator `id`, unless the hub
  /// announces an engine of that communicator lost first (see
  /// `LivenessWatch.announceLoss`): the hub has failed the collective then,
  /// and this engine might wait forever for a part that engine was to pass
  /// on. Returns nil when the request completed, else the error; an
  /// abandoned request and `buffer` (the memory it uses) are kept for the
  /// rest of the run, since MPI may still touch them.
  func waitUnlessAbandoned(_ request: Request, communicator id: Int, keeping buffer: Any) throws -> EngineError? {
    var seen = 0
    var backoff = Backoff(now: MonotonicClock.now())
    while try !request.test() {
      let announced = LivenessBeacon.lostPeerCount.load(ordering: .acquiring)
      if announced != seen {
        seen = announced
        let lost = LivenessBeacon.lostPeers
        if let engine = communicatorMembers[id]?.first(where: lost.contains) {
          abandonedCollectives.append((request, buffer))
          RuntimeLog.engine.info("engine \(context.id): gave up a collective on communicator \(id): engine \(engine) was lost")
          return .peerLost(engine: engine)
        }
      }
      backoff.pause()
    }
    return nil
  }

  /// The namespace value `name` as an array or a single element of `kind`.
  private func rawValue(_ name: String, kind: ScalarKind) throws -> any Codable {
    guard let stored = namespace.entries[name]?.typeName else { throw EngineError.nameNotDefined(name) }
    func typed<T: WireScalar>(_ type: T.Type) throws -> any Codable {
      if stored == kind.arrayTypeName { return try namespace.value(name, as: [T].self) }
      if stored == kind.typeName { return try namespace.value(name, as: T.self) }
      throw EngineError.typeMismatch(name: name, stored: stored, requested: kind.arrayTypeName)
    }
    return try typed(kind.scalarType)
  }

  /// Calls `body` with the raw memory of an array of numbers or of one number.
  static func withRawBytes<R>(
    of value: any Codable, _ body: (UnsafeRawBufferPointer) throws -> R
  ) throws -> R {
    func open<T: Encodable>(_ value: T) throws -> R {
      if let array = value as? any RawScalarStorage { return try array.withRawBytes(body) }
      var copy = value
      return try withUnsafeBytes(of: &copy) { try body($0) }
    }
    return try open(value)
  }

  /// Joins the hub in building a communicator of it and `engines` (see
  /// `CommunicatorPlan`); with `enginesOnly`, its engines' part becomes
  /// `EngineContext.communicator` and the engine count what it holds.
  func joinCommunicator(id: Int, engines: [Int], groups: [Int], enginesOnly: Bool) throws {
    let plan = CommunicatorPlan(engines: engines, groups: groups)
    let built = try plan.build(as: .engine(context.id), tag: id, world: world, ownGroup: ownGroup) { _ in world }
    communicators[id] = built
    communicatorMembers[id] = engines
    guard enginesOnly else { return }
    guard let enginesAlone = try built.split(color: 0, key: built.rank) else {
      throw EngineError.malformedMessage("engine \(context.id) was left out of the engines' communicator")
    }
    context.communicator = enginesAlone
    context.count = enginesAlone.size
    EngineContext.active = context
  }
}

/// Arrays of numbers whose memory can be sent as it is.
protocol RawScalarStorage {
  func withRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: RawScalarStorage where Element: WireScalar {
  func withRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(body)
  }
}

extension ScalarKind {
  /// The Swift type of this kind of number.
  var scalarType: any WireScalar.Type {
    switch self {
    case .int: return Int.self
    case .int8: return Int8.self
    case .int16: return Int16.self
    case .int32: return Int32.self
    case .int64: return Int64.self
    case .uint: return UInt.self
    case .uint8: return UInt8.self
    case .uint16: return UInt16.self
    case .uint32: return UInt32.self
    case .uint64: return UInt64.self
    case .float: return Float.self
    case .double: return Double.self
    }
  }
}
