/// A served job's load balancer: each call goes to the engine the hub's scheme picks.
///
/// Task flags (retries, dependencies, timeouts) apply to a view, to one call
/// or to a block, as the in-job view's and IPython's `set_flags` and
/// `temp_flags`:
///
/// ```swift
/// let careful = lview.with(TaskFlags(retries: 2))                  // a view with flags
/// careful.map("step", Array(0..<10), as: Int.self)                 // every call of it
/// lview.with(TaskFlags(after: Dependency(first))).apply("g", 1, as: Int.self)  // one call
/// try lview.withFlags(TaskFlags(dependencyTimeout: .seconds(5))) { view in ... } // a block
/// ```
public struct LoadBalancedView: Sendable {
  let client: Client
  /// The engines tasks may go to (nil: any).
  public let targets: [Int]?
  /// The flags every call of this view carries.
  public private(set) var flags = TaskFlags()

  init(client: Client, targets: [Int]?, flags: TaskFlags = TaskFlags()) {
    self.client = client
    self.targets = targets
    self.flags = flags
  }

  /// This view with `flags` over its own (set fields of `flags` win).
  public func with(_ flags: TaskFlags) -> LoadBalancedView {
    LoadBalancedView(client: client, targets: targets, flags: self.flags.merged(with: flags))
  }

  /// Runs `body` with a view carrying `flags` as well as this view's (IPython's `temp_flags`).
  public func withFlags<T>(_ flags: TaskFlags, _ body: (LoadBalancedView) throws -> T) rethrows -> T {
    try body(with(flags))
  }

  /// Runs the function called `function` once, on whichever engine the scheme picks.
  public func apply<R: Decodable & Sendable>(
    _ function: String, _ arguments: any Encodable..., as type: R.Type = R.self
  ) -> AsyncResult<R> {
    do {
      let item = JSONValue.array(try Client.json(arguments))
      let many: AsyncMapResult<R> = client.submit(
        .map(
          function: function, items: [item], chunkSize: 1, ordered: true, targets: targets,
          flags: flags.steering),
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
      .map(
        function: function, items: items, chunkSize: chunkSize, ordered: ordered, targets: targets,
        flags: flags.steering),
      label: "map(\(function))", transform: nil, ordered: ordered)
  }
}
