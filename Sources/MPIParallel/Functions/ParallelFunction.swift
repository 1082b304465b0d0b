/// A remote function bound to a view, mapped over sequences (IPython's
/// `@view.parallel()`): `view.parallel(f).map(xs)` is `view.map(f, xs)`,
/// blocking (`try pf.map(xs)`), suspending (`try await pf.map(xs)`) or
/// returning the result at once (`pf.mapAsync(xs)`, IPython's `block=False`).
///
/// ```swift
/// let psquare = client.loadBalancedView().parallel(square, chunkSize: 4)
/// let squares = try psquare.map(0..<32)          // [Int], in input order
/// let pending = psquare.mapAsync([1, 2, 3])      // AsyncMapResult<Int>
/// ```
public struct ParallelFunction<each Argument: Codable & Sendable, Result: Codable & Sendable>: Sendable {
  /// The function each item is passed to.
  public let function: RemoteFunction<repeat each Argument, Result>
  let target: ParallelTarget

  init(_ function: RemoteFunction<repeat each Argument, Result>, target: ParallelTarget) {
    self.function = function
    self.target = target
  }

  /// Submits the map and returns its result at once (several sequences are
  /// zipped): on a DirectView one block per engine, on a LoadBalancedView
  /// chunks handed to engines as they become free.
  @discardableResult
  public func mapAsync<each S: Sequence>(_ sequences: repeat each S) -> AsyncMapResult<Result>
  where repeat (each S).Element == each Argument {
    switch target {
    case .direct(let view): view.map(function, repeat Array(each sequences))
    case .loadBalanced(let view, let chunkSize, let ordered):
      view.map(function, repeat Array(each sequences), chunkSize: chunkSize, ordered: ordered)
    }
  }

  /// The values of the map, in input order, blocking until all are there;
  /// throws as `AsyncMapResult.get` does.
  public func map<each S: Sequence>(_ sequences: repeat each S) throws -> [Result]
  where repeat (each S).Element == each Argument {
    try mapAsync(repeat each sequences).get()
  }

  /// The values of the map, in input order, suspending until all are there.
  public func map<each S: Sequence>(_ sequences: repeat each S) async throws -> [Result]
  where repeat (each S).Element == each Argument {
    try await mapAsync(repeat each sequences).value
  }
}

/// Where a parallel function's maps run (outside the generic type: an enum
/// cannot be nested in a type with a parameter pack).
enum ParallelTarget: Sendable {
  case direct(DirectView)
  case loadBalanced(LoadBalancedView, chunkSize: Int, ordered: Bool)
}

extension DirectView {
  /// `function` as a parallel function on this view (IPython's
  /// `@dview.parallel()`): its `map` splits the inputs into one block per engine.
  public func parallel<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>
  ) -> ParallelFunction<repeat each A, R> {
    ParallelFunction(function, target: .direct(self))
  }
}

extension LoadBalancedView {
  /// `function` as a parallel function on this view (IPython's
  /// `@lview.parallel()`): its `map` runs in chunks of `chunkSize`, with this
  /// view's flags, iterating in input order when `ordered`.
  public func parallel<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, chunkSize: Int = 1, ordered: Bool = true
  ) -> ParallelFunction<repeat each A, R> {
    ParallelFunction(function, target: .loadBalanced(self, chunkSize: chunkSize, ordered: ordered))
  }
}
