/// A fixed set of a served job's engines: every call runs on each of them,
/// results in engine order.
public struct DirectView: Sendable {
  let client: Client
  /// The engine ids (nil: every engine).
  public let targets: [Int]?

  /// Runs the function called `function` on every engine; one result per engine.
  public func apply<R: Decodable & Sendable>(
    _ function: String, _ arguments: any Encodable..., as type: R.Type = R.self
  ) -> AsyncMapResult<R> {
    apply(function, arguments: arguments, as: type)
  }

  /// Runs `function` with an array of arguments.
  public func apply<R: Decodable & Sendable>(
    _ function: String, arguments: [any Encodable], as type: R.Type = R.self
  ) -> AsyncMapResult<R> {
    do {
      let json = try Client.json(arguments)
      return client.submit(
        .apply(function: function, arguments: json, targets: targets), label: "apply(\(function))",
        transform: nil)
    } catch {
      return AsyncMapResult(client: client, label: "apply(\(function))", failure: error)
    }
  }

  /// Sets `name` to `value` on every engine.
  public func push(_ name: String, _ value: some Encodable) -> AsyncMapResult<Bool> {
    do {
      return client.submit(
        .push(name: name, value: try JSONValue(encoding: value), targets: targets), label: "push(\(name))",
        transform: nil)
    } catch {
      return AsyncMapResult(client: client, label: "push(\(name))", failure: error)
    }
  }

  /// Every engine's value `name`, in engine order.
  public func pull<T: Decodable & Sendable>(_ name: String, as type: T.Type = T.self) -> AsyncMapResult<T> {
    client.submit(.pull(name: name, targets: targets), label: "pull(\(name))", transform: nil)
  }

  /// Splits `values` into one block per engine and sets `name` to each engine's block.
  public func scatter(_ name: String, _ values: [some Encodable]) -> AsyncMapResult<Bool> {
    do {
      return client.submit(
        .scatter(name: name, values: try values.map { try JSONValue(encoding: $0) }, targets: targets),
        label: "scatter(\(name))", transform: nil)
    } catch {
      return AsyncMapResult(client: client, label: "scatter(\(name))", failure: error)
    }
  }

  /// The engines' arrays `name` concatenated in engine order, one item per element.
  public func gather<T: Decodable & Sendable>(_ name: String, as type: T.Type = T.self) -> AsyncMapResult<T> {
    client.submit(.gather(name: name, targets: targets), label: "gather(\(name))", transform: .flatten)
  }
}
