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

  /// A namespace value, packed.
  static let getJSON = RemoteFunction("_mpp.getJSON") { (name: String) -> [UInt8] in
    let engine = try EngineContext.current
    return try SteeringCoding.pack(engine.namespace.json(name))
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
