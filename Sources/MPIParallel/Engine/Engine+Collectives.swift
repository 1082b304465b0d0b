import MPI

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
    try buffer.withUnsafeMutableBytes { try communicator.ibroadcast($0, root: 0).wait() }
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
    func send(_ part: UnsafeRawBufferPointer, failed: Bool) throws {
      var length = Int64(part.count) * (failed ? -1 : 1)
      try withUnsafeBytes(of: &length) {
        try communicator.igatherv($0, into: nil, counts: [], displacements: [], root: 0).wait()
      }
      try communicator.igatherv(part, into: nil, counts: [], displacements: [], root: 0).wait()
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
        try Self.withRawBytes(of: value) { try send($0, failed: false) }
      } catch let error as MPIError {
        throw error
      } catch {
        try errorBytes(error).withUnsafeBytes { try send($0, failed: true) }
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
      try part.bytes.withUnsafeBytes { try send($0, failed: false) }
    }
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
