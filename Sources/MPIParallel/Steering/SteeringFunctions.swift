internal import MPIParallelSteering

/// The runtime's own remote functions, registered on every engine, through
/// which a steering client's push, pull and scatter reach the namespace. Their
/// values travel as JSON text; the hub parses it before sending and after receiving.
enum SteeringFunctions {
  static let prefix = "_mpp."

  /// Sets a namespace value from JSON text.
  static let setJSON = RemoteFunction("_mpp.setJSON") { (name: String, json: String) -> Bool in
    let engine = try EngineContext.current
    engine.namespace.setJSON(name, try JSONValue(parsing: json))
    return true
  }

  /// A namespace value as JSON text.
  static let getJSON = RemoteFunction("_mpp.getJSON") { (name: String) -> String in
    let engine = try EngineContext.current
    return try engine.namespace.json(name).description
  }

  static let all: [any RemoteFunctionProtocol] = [setJSON, getJSON]
}
