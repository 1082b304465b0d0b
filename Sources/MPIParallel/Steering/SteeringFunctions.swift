internal import MPIParallelSteering

/// The runtime's own remote functions, registered on every engine, through
/// which a steering client's push, pull and scatter reach the namespace. Their
/// values travel packed as steering messages pack them (``SteeringCoding``:
/// JSON, with numeric arrays as raw bytes after it), so an array of numbers
/// crosses from the engine to the client without becoming text.
enum SteeringFunctions {
  static let prefix = "_mpp."

  /// Sets a namespace value from its packed form.
  static let setJSON = RemoteFunction("_mpp.setJSON") { (name: String, packed: [UInt8]) -> Bool in
    let engine = try EngineContext.current
    engine.namespace.setJSON(name, try SteeringCoding.unpack(packed[...]))
    return true
  }

  /// A namespace value, packed: its reply holds what `[UInt8]` result of
  /// `SteeringCoding.pack` would, written from the packed pieces where they
  /// lie (the JSON, then the arrays' own bytes), so that an array is copied
  /// once, into the reply, on its way out of the engine.
  static let getJSON = RemoteFunction<String, [UInt8]>(name: "_mpp.getJSON", collective: false) {
    source, writer in
    let name = try Argument<String>.read(from: source)
    let engine = try EngineContext.current
    let parts = try SteeringCoding.encodeParts(engine.namespace.json(name))
    let size = parts.reduce(0) { $0 + $1.count }
    writer.reserve(MemoryLayout<UInt64>.size + size)
    writer.write(UInt64(size))
    for part in parts { part.withUnsafeBytes { writer.appendRaw($0) } }
  }

  /// A value as `setJSON` takes it.
  static func packed(_ value: JSONValue) throws -> JSONValue {
    .numbers(NumericArray(try SteeringCoding.pack(value)))
  }

  static let all: [any RemoteFunctionProtocol] = [setJSON, getJSON]

  /// Reads `getJSON`'s reply: the packed value as a slice of the reply
  /// (which the hub keeps anyway), so that an engine's array is not copied
  /// on its way to the client.
  static func packedDecoder(label: String) -> AsyncMapResult<JSONValue>.SlotDecoder {
    { slot, context, values in
      guard case .reply(let bytes) = slot.outcome else { return }
      let header = try EngineReply(header: bytes)
      guard header.succeeded else { throw context.remoteError(reply: bytes, slot: slot) }
      do {
        var reader = try EngineReply.payloadReader(of: bytes)
        let count = try reader.readLength(elementSize: 1)
        let packed = try reader.readSlice(count: count)
        values.append(.numbers(NumericArray(kind: .uint8, count: count, bytes: packed)!))
      } catch {
        throw ParallelError.decodingFailed(what: "the result of \(label)", expected: "[UInt8]", reason: "\(error)")
      }
    }
  }
}
