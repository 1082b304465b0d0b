/// A view of one engine (`rc[0]`): the DirectView calls, with single values
/// instead of one per engine.
public struct EngineView: Sendable {
  @usableFromInline let client: Client
  /// The engine's id.
  public let id: Int
  /// The same engine as a DirectView of one (made once: a call then costs no array for its target).
  public let directView: DirectView

  init(client: Client, id: Int) {
    self.client = client
    self.id = id
    directView = DirectView(client: client, targets: [id])
  }

  /// Runs `function(arguments...)` on this engine. (Inlinable, as the
  /// other calls: a program's calls are specialized for their types.)
  @inlinable
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ arguments: repeat each A
  ) -> AsyncResult<R> {
    let state = directView.submitCall(function.registration, label: function.registration.applyLabel) {
      writer in
      try function.encodeValues(repeat each arguments, into: &writer)
    }
    return AsyncResult.call(state, context: client.context)
  }

  /// Runs a one-argument function with this engine's namespace value `reference`.
  @discardableResult
  public func apply<A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<A, R>, _ reference: Reference
  ) -> AsyncResult<R> {
    apply(function, arguments: .reference(reference.name))
  }

  /// Runs `function` with arguments that are values or namespace references.
  @_disfavoredOverload
  @inlinable
  @discardableResult
  public func apply<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, arguments: repeat Argument<each A>
  ) -> AsyncResult<R> {
    let state = directView.submitCall(function.registration, label: function.registration.applyLabel) {
      writer in
      try function.encodeArguments(repeat each arguments, into: &writer)
    }
    return AsyncResult.call(state, context: client.context)
  }

  /// Runs `function` over the inputs on this engine, in one chunk.
  @discardableResult
  public func map<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, _ sequences: repeat [each A]
  ) -> AsyncMapResult<R> {
    directView.map(function, repeat each sequences)
  }

  /// Sets each name to its value on this engine.
  @discardableResult
  public func push(_ values: [String: any Codable & Sendable]) -> AsyncResult<Void> {
    directView.push(values)
  }

  /// This engine's value of `name` as a `T`; fails with a `RemoteError` when
  /// the engine has no such name or holds another type.
  @discardableResult
  public func pull<T: Codable & Sendable>(_ name: String, as type: T.Type = T.self) -> AsyncResult<T> {
    AsyncResult.single(directView.pull(name, as: type))
  }

  /// Removes `name` from this engine; the result says whether it existed.
  @discardableResult
  public func remove(_ name: String) -> AsyncResult<Bool> {
    AsyncResult.single(directView.remove(name))
  }

  /// The engine's value `name` (nil when missing or of another type); setting
  /// stores the value (nil removes it), as `rc[0]['x'] = 5`. Blocks until done.
  public subscript<T: Codable & Sendable>(name: String) -> T? {
    get { try? pull(name, as: T.self).get() }
    nonmutating set { directView[name] = newValue }
  }

}
