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

/// A served job's load balancer: each call goes to the engine the hub's scheme picks.
public struct LoadBalancedView: Sendable {
  let client: Client
  /// The engines tasks may go to (nil: any).
  public let targets: [Int]?

  /// Runs the function called `function` once, on whichever engine the scheme picks.
  public func apply<R: Decodable & Sendable>(
    _ function: String, _ arguments: any Encodable..., as type: R.Type = R.self
  ) -> AsyncResult<R> {
    do {
      let item = JSONValue.array(try Client.json(arguments))
      let many: AsyncMapResult<R> = client.submit(
        .map(function: function, items: [item], chunkSize: 1, ordered: true, targets: targets),
        label: "apply(\(function))", transform: nil)
      return AsyncResult(many)
    } catch {
      return AsyncResult(AsyncMapResult(client: client, label: "apply(\(function))", failure: error))
    }
  }

  /// Runs a one-argument function over `items`, each chunk of `chunkSize` a
  /// task of its own; values in input order.
  public func map<A: Encodable, R: Decodable & Sendable>(
    _ function: String, _ items: [A], chunkSize: Int = 1, ordered: Bool = true, as type: R.Type = R.self
  ) -> AsyncMapResult<R> {
    do {
      let json = try items.map { JSONValue.array([try JSONValue(encoding: $0)]) }
      return map(function, arguments: json, chunkSize: chunkSize, ordered: ordered)
    } catch {
      return AsyncMapResult(client: client, label: "map(\(function))", failure: error)
    }
  }

  /// Runs `function` over calls given as JSON: each item an array of one call's arguments.
  public func map<R: Decodable & Sendable>(
    _ function: String, arguments items: [JSONValue], chunkSize: Int = 1, ordered: Bool = true,
    as type: R.Type = R.self
  ) -> AsyncMapResult<R> {
    client.submit(
      .map(function: function, items: items, chunkSize: chunkSize, ordered: ordered, targets: targets),
      label: "map(\(function))", transform: nil)
  }
}
