/// Remote functions of the runtime's own beside the steering ones,
/// registered on every engine under the runtime's prefix.
enum RuntimeFunctions {
  /// Removes every name from the engine's namespace; answers how many there were.
  static let clear = RemoteFunction("_mpp.clear") { () -> Int in
    let engine = try EngineContext.current
    let names = engine.names
    for name in names { _ = engine.remove(name) }
    return names.count
  }

  static let all: [any RemoteFunctionProtocol] = [clear]
}
