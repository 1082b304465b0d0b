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
      label: "map(\(function))", transform: nil, ordered: ordered)
  }
}
