/// A request from the hub to one engine (tag `MessageTag.request`). The
/// hub's side encodes (`encode...`), the engine's side decodes (`decode`).
enum HubRequest: Equatable {
  /// Run a function once (`batch` false) or once per argument list of a chunk.
  case call(taskID: Int, function: String, argumentTypes: String, resultType: String, count: Int?)
  /// Send back a namespace value.
  case pull(taskID: Int, name: String)
  /// Remove a namespace value.
  case remove(taskID: Int, name: String)
  /// Join a broadcast of `byteCount` bytes on communicator `communicator`.
  case broadcast(taskID: Int, communicator: Int, byteCount: Int)
  /// Join a scatter: receive `byteCount` bytes into `name`.
  case scatter(
    taskID: Int, communicator: Int, name: String, mode: TransferMode, typeName: String, byteCount: Int,
    flatten: Bool)
  /// Join a gather of the array `name`.
  case gather(taskID: Int, communicator: Int, name: String, mode: TransferMode, elementTypeName: String)
  /// Join the creation of a communicator of the hub and these engines, in
  /// this order, following `CommunicatorPlan` (`groups`: the first id of
  /// each spawn group); with `enginesOnly`, take its engines' part as
  /// `EngineContext.communicator`.
  case createCommunicator(id: Int, engines: [Int], groups: [Int], enginesOnly: Bool)
  /// Reply, then stop serving.
  case shutdown(taskID: Int)
  /// Reply, then leave the job while it goes on (the engine was retired).
  case retire(taskID: Int)
  /// An abort notice: drop these tasks if their requests wait on the engine
  /// unstarted, each answered with an aborted reply (no reply of its own).
  /// It travels after the requests it names, in order with them; the
  /// engine reads it ahead of the requests that wait (see `Engine`).
  case abort(taskIDs: [Int])

  enum Kind: UInt8 {
    case call = 1, batch, pull, remove, broadcast, scatter, gather, createCommunicator, shutdown
    /// Several requests in one message: a UInt32 count, then a UInt32 length and the request each.
    case bundle
    /// A request behind a functional dependency: task id, the predicate's name, then the request.
    case guarded
    case retire
    case abort
  }

  /// Where a call's task id sits in its request (after the kind byte).
  static var callTaskIDOffset: Int { 1 }

  /// The header of a call; the caller appends the arguments.
  /// `callSignature` is the function's name and types as `callSignature(...)` encodes them.
  static func callHeader(taskID: Int, callSignature: [UInt8], count: Int?, capacity: Int = 64) -> WireWriter {
    var writer = WireWriter(reservingCapacity: Swift.max(capacity, callSignature.count + 32))
    writer.write(count == nil ? Kind.call.rawValue : Kind.batch.rawValue)
    writer.write(UInt64(taskID))
    callSignature.withUnsafeBytes { writer.writeRaw($0) }
    if let count { writer.write(UInt32(count)) }
    return writer
  }

  /// A request of one call (`count` nil) or of a chunk of `count` calls
  /// from `header`, a `callHeader` made once for many requests (with a
  /// count, of any value, exactly when `count` is given): a copy of it in
  /// one piece, with this request's task id and count written in.
  static func call(from header: [UInt8], taskID: Int, count: Int?) -> WireWriter {
    var writer = WireWriter(reservingCapacity: Swift.max(64, header.count + 32))
    writeCall(from: header, taskID: taskID, count: count, into: &writer)
    return writer
  }

  /// `call(from:taskID:count:)`, appended to `writer`.
  static func writeCall(from header: [UInt8], taskID: Int, count: Int?, into writer: inout WireWriter) {
    let start = writer.count
    header.withUnsafeBytes { writer.writeRaw($0) }
    writer.patch(UInt64(taskID), at: start + callTaskIDOffset)
    if let count { writer.patch(UInt32(count), at: start + header.count - MemoryLayout<UInt32>.size) }
  }

  /// A function's name, argument types and result type as a call carries them.
  static func callSignature(function: String, argumentTypes: String, resultType: String) -> [UInt8] {
    var writer = WireWriter()
    writer.write(function)
    writer.write(argumentTypes)
    writer.write(resultType)
    return writer.bytes
  }

  /// Wraps a request so the engine runs it only when `predicate` holds there.
  static func guarded(_ request: [UInt8], taskID: Int, predicate: String) -> [UInt8] {
    var writer = WireWriter(reservingCapacity: request.count + predicate.utf8.count + 16)
    writer.write(Kind.guarded.rawValue)
    writer.write(UInt64(taskID))
    writer.write(predicate)
    request.withUnsafeBytes { writer.writeRaw($0) }
    return writer.bytes
  }

  /// Encodes any request but a call (calls are built with `callHeader`).
  func encode() -> [UInt8] {
    var writer = WireWriter()
    switch self {
    case .call(let taskID, let function, let argumentTypes, let resultType, let count):
      writer = Self.callHeader(
        taskID: taskID,
        callSignature: Self.callSignature(
          function: function, argumentTypes: argumentTypes, resultType: resultType),
        count: count)
    case .pull(let taskID, let name):
      writer.write(Kind.pull.rawValue)
      writer.write(UInt64(taskID))
      writer.write(name)
    case .remove(let taskID, let name):
      writer.write(Kind.remove.rawValue)
      writer.write(UInt64(taskID))
      writer.write(name)
    case .broadcast(let taskID, let communicator, let byteCount):
      writer.write(Kind.broadcast.rawValue)
      writer.write(UInt64(taskID))
      writer.write(UInt32(communicator))
      writer.write(UInt64(byteCount))
    case .scatter(let taskID, let communicator, let name, let mode, let typeName, let byteCount, let flatten):
      writer.write(Kind.scatter.rawValue)
      writer.write(UInt64(taskID))
      writer.write(UInt32(communicator))
      writer.write(name)
      Self.write(mode, into: &writer)
      writer.write(typeName)
      writer.write(UInt64(byteCount))
      writer.write(flatten)
    case .gather(let taskID, let communicator, let name, let mode, let elementTypeName):
      writer.write(Kind.gather.rawValue)
      writer.write(UInt64(taskID))
      writer.write(UInt32(communicator))
      writer.write(name)
      Self.write(mode, into: &writer)
      writer.write(elementTypeName)
    case .createCommunicator(let id, let engines, let groups, let enginesOnly):
      writer.write(Kind.createCommunicator.rawValue)
      writer.write(UInt32(id))
      writer.write(UInt8(enginesOnly ? 1 : 0))
      writer.write(UInt32(engines.count))
      for engine in engines { writer.write(UInt32(engine)) }
      writer.write(UInt32(groups.count))
      for group in groups { writer.write(UInt32(group)) }
    case .retire(let taskID):
      writer.write(Kind.retire.rawValue)
      writer.write(UInt64(taskID))
    case .shutdown(let taskID):
      writer.write(Kind.shutdown.rawValue)
      writer.write(UInt64(taskID))
    case .abort(let taskIDs):
      writer.write(Kind.abort.rawValue)
      writer.write(UInt32(taskIDs.count))
      for id in taskIDs { writer.write(UInt64(id)) }
    }
    return writer.bytes
  }

  /// Decodes a request; for calls the reader is left at the first argument.
  static func decode(_ reader: inout WireReader) throws -> HubRequest {
    let rawKind = try reader.read(UInt8.self)
    guard let kind = Kind(rawValue: rawKind) else {
      throw EngineError.malformedMessage("unknown request kind \(rawKind)")
    }
    switch kind {
    case .call, .batch:
      let taskID = Int(try reader.read(UInt64.self))
      let function = try reader.readString()
      let argumentTypes = try reader.readString()
      let resultType = try reader.readString()
      let count = kind == .batch ? Int(try reader.read(UInt32.self)) : nil
      return .call(
        taskID: taskID, function: function, argumentTypes: argumentTypes, resultType: resultType, count: count
      )
    case .pull:
      return .pull(taskID: Int(try reader.read(UInt64.self)), name: try reader.readString())
    case .remove:
      return .remove(taskID: Int(try reader.read(UInt64.self)), name: try reader.readString())
    case .broadcast:
      return .broadcast(
        taskID: Int(try reader.read(UInt64.self)), communicator: Int(try reader.read(UInt32.self)),
        byteCount: Int(try reader.read(UInt64.self)))
    case .scatter:
      return .scatter(
        taskID: Int(try reader.read(UInt64.self)), communicator: Int(try reader.read(UInt32.self)),
        name: try reader.readString(), mode: try readMode(&reader), typeName: try reader.readString(),
        byteCount: Int(try reader.read(UInt64.self)), flatten: try reader.readBool())
    case .gather:
      return .gather(
        taskID: Int(try reader.read(UInt64.self)), communicator: Int(try reader.read(UInt32.self)),
        name: try reader.readString(), mode: try readMode(&reader), elementTypeName: try reader.readString())
    case .createCommunicator:
      let id = Int(try reader.read(UInt32.self))
      let enginesOnly = try reader.read(UInt8.self) != 0
      var engines: [Int] = []
      for _ in 0..<Int(try reader.read(UInt32.self)) { engines.append(Int(try reader.read(UInt32.self))) }
      var groups: [Int] = []
      for _ in 0..<Int(try reader.read(UInt32.self)) { groups.append(Int(try reader.read(UInt32.self))) }
      return .createCommunicator(id: id, engines: engines, groups: groups, enginesOnly: enginesOnly)
    case .shutdown:
      return .shutdown(taskID: Int(try reader.read(UInt64.self)))
    case .retire:
      return .retire(taskID: Int(try reader.read(UInt64.self)))
    case .abort:
      let count = Int(try reader.read(UInt32.self))
      var ids: [Int] = []
      for _ in 0..<count { ids.append(Int(try reader.read(UInt64.self))) }
      return .abort(taskIDs: ids)
    case .bundle, .guarded:
      throw EngineError.malformedMessage("a \(kind) request inside another")
    }
  }

  /// The task id of a request an engine may drop unstarted when the hub
  /// aborts it (a call, a chunk, a pull, a remove, a guarded call); nil for
  /// any other request (a collective's part, shutdown, retire: the hub or
  /// other engines take part in those).
  static func abortableTaskID(of request: UnsafeRawBufferPointer) -> Int? {
    guard request.count >= 9, let kind = Kind(rawValue: request[0]) else { return nil }
    switch kind {
    case .call, .batch, .pull, .remove, .guarded:
      return Int(UInt64(littleEndian: request.loadUnaligned(fromByteOffset: 1, as: UInt64.self)))
    case .broadcast, .scatter, .gather, .createCommunicator, .shutdown, .bundle, .retire, .abort:
      return nil
    }
  }

  static func abortableTaskID(of request: [UInt8]) -> Int? {
    request.withUnsafeBytes { abortableTaskID(of: $0) }
  }

  /// The abortable task ids of a message: its request's, or each of its
  /// requests' when it is a bundle.
  static func abortableTaskIDs(in message: [UInt8]) -> [Int] {
    guard message.first == Kind.bundle.rawValue else {
      return abortableTaskID(of: message).map { [$0] } ?? []
    }
    var reader = WireReader(message)
    guard (try? reader.skip(1)) != nil, let count = try? reader.read(UInt32.self) else { return [] }
    return abortableTaskIDs(inBundle: message, from: reader.offset, items: Int(count))
  }

  /// The abortable task ids of `items` requests of a bundle, from the one
  /// at byte `offset` of `message` on (each a UInt32 length, then the
  /// request). A malformed rest is left out.
  static func abortableTaskIDs(inBundle message: [UInt8], from offset: Int, items: Int) -> [Int] {
    var reader = WireReader(message)
    var ids: [Int] = []
    do {
      try reader.skip(offset)
      for _ in 0..<items {
        let length = Int(try reader.read(UInt32.self))
        let start = reader.offset
        try reader.skip(length)
        let id = message.withUnsafeBytes {
          abortableTaskID(of: UnsafeRawBufferPointer(rebasing: $0[start..<(start + length)]))
        }
        if let id { ids.append(id) }
      }
    } catch {
      return ids
    }
    return ids
  }

  private static func write(_ mode: TransferMode, into writer: inout WireWriter) {
    switch mode {
    case .raw(let kind):
      writer.write(UInt8(1))
      writer.write(kind.rawValue)
    case .encoded:
      writer.write(UInt8(0))
      writer.write(UInt8(0))
    }
  }

  private static func readMode(_ reader: inout WireReader) throws -> TransferMode {
    let mode = try reader.read(UInt8.self)
    let rawKind = try reader.read(UInt8.self)
    if mode == 0 { return .encoded }
    guard let kind = ScalarKind(rawValue: rawKind) else {
      throw EngineError.malformedMessage("unknown scalar kind \(rawKind)")
    }
    return .raw(kind)
  }
}
