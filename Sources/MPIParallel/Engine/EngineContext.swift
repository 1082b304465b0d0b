import MPI

/// What a remote function can see of the engine running it: its id, the
/// engine count, its namespace, and a communicator of the engines alone for
/// MPI among engines (Allreduce, halo exchange) while the hub waits.
///
/// ```swift
/// let total = RemoteFunction("total") { () -> Double in
///   let engine = try EngineContext.current
///   let part: [Double] = try engine.get("a")
///   return try engine.communicator.allreduce(part.reduce(0, +), .sum)
/// }
/// ```
// Safe: the namespace, its one mutable part, is used by the engine's thread, which runs the remote functions.
public struct EngineContext: @unchecked Sendable {
  /// This engine's id: rank - 1, from 0 to `count` - 1.
  public let id: Int
  /// How many engines the job has (those the job started with, and those
  /// added once a collective function has run on every engine since).
  public internal(set) var count: Int
  /// This engine's MPI rank in the world communicator.
  public let rank: Int
  /// The host this engine runs on.
  public let host: String
  /// A communicator of the engines only (rank in it == `id`): those the job
  /// started with, rebuilt to hold every engine before a collective function
  /// runs after engines were added.
  public internal(set) var communicator: Communicator
  /// The capabilities this engine advertises ("gpu", "bigmem"), which tasks can require.
  public let capabilities: Set<String>
  let namespace: Namespace

  // Safe: set and cleared by the engine's thread around `serve`; the remote functions it runs read it.
  nonisolated(unsafe) static var active: EngineContext?

  /// The engine running the current remote function. Throws
  /// `EngineError.notOnEngine` anywhere else (for example on the driver).
  public static var current: EngineContext {
    get throws {
      guard let active else { throw EngineError.notOnEngine }
      return active
    }
  }

  /// The namespace value `name` as a `T`; throws when it is missing or of another type.
  public func get<T: Codable & Sendable>(_ name: String, as type: T.Type = T.self) throws -> T {
    try namespace.value(name, as: type)
  }

  /// Stores `value` under `name` in this engine's namespace.
  public func set<T: Codable & Sendable>(_ name: String, _ value: T) {
    namespace.set(name, value)
  }

  /// The value `name` if it exists with type `T`; setting nil removes it.
  public subscript<T: Codable & Sendable>(name: String) -> T? {
    get { try? namespace.value(name, as: T.self) }
    nonmutating set {
      if let newValue { namespace.set(name, newValue) } else { namespace.remove(name) }
    }
  }

  /// Removes `name`; returns whether it existed.
  @discardableResult
  public func remove(_ name: String) -> Bool { namespace.remove(name) }

  /// The names defined in this engine's namespace, sorted.
  public var names: [String] { namespace.names }
}
