/// The remote functions of a program, by name: the same on every rank.
struct FunctionRegistry: Sendable {
  private(set) var functions: [String: FunctionRegistration] = [:]

  /// Registers each function; two functions with one name is a programming error.
  init(_ functions: [any RemoteFunctionProtocol]) throws {
    for function in SteeringFunctions.all { self.functions[function.name] = function.registration }
    for function in RuntimeFunctions.all { self.functions[function.name] = function.registration }
    for function in functions {
      guard !function.name.hasPrefix(SteeringFunctions.prefix) else {
        throw ParallelError.startup(
          "'\(function.name)': names starting with '\(SteeringFunctions.prefix)' are the runtime's own")
      }
      let registration = function.registration
      if let existing = self.functions[registration.name] {
        throw ParallelError.startup(
          "two remote functions are named '\(registration.name)' (\(existing.signature) and \(registration.signature)); names must be unique"
        )
      }
      self.functions[registration.name] = registration
    }
  }

  /// The program's functions (not the runtime's own), by name.
  var names: [String] { functions.keys.filter { !$0.hasPrefix(SteeringFunctions.prefix) }.sorted() }

  /// The function called `name`, checked against the caller's signature.
  /// An empty `resultType` from the caller skips the result check.
  func lookup(_ name: String, argumentTypes: String, resultType: String) throws -> FunctionRegistration {
    guard let function = functions[name] else {
      throw EngineError.unknownFunction(name: name, registered: names)
    }
    let expected = function.signature
    if expected.argumentTypes != argumentTypes || (!resultType.isEmpty && expected.resultType != resultType) {
      throw EngineError.signatureMismatch(
        function: name, expected: expected.description,
        received: resultType.isEmpty ? argumentTypes : "\(argumentTypes) -> \(resultType)")
    }
    return function
  }
}
