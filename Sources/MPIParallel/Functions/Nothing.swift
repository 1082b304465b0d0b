/// The result of a remote function that returns nothing (IPython's `None`):
/// a body with no result registers as `RemoteFunction<..., Nothing>`, and
/// its calls give `Nothing()` for each run.
///
/// ```swift
/// let remember = RemoteFunction("remember") { (x: Int) in
///   try EngineContext.current.set("x", x)
/// }
/// try client[...].apply(remember, 5).get()   // [Nothing(), Nothing(), ...]
/// ```
public struct Nothing: Codable, Sendable, Hashable, CustomStringConvertible {
  public init() {}
  public var description: String { "Nothing()" }
}

extension RemoteFunction where Result == Nothing {
  /// A remote function whose body returns nothing.
  @inlinable
  public init(
    _ name: String, collective: Bool = false, _ body: @escaping @Sendable (repeat each Argument) throws -> Void
  ) {
    self.init(
      name: name, collective: collective,
      invoke: { source, writer in
        let arguments = (repeat try MPIParallel.Argument<each Argument>.read(from: source))
        try body(repeat each arguments)
        try writer.encode(Nothing())
      })
  }
}
