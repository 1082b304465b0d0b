/// An engine as it reported itself to the hub at start.
public struct EngineInfo: Sendable, Hashable, CustomStringConvertible {
  /// Engine id: rank - 1.
  public let id: Int
  /// MPI rank in the world communicator.
  public let rank: Int
  /// Host name (MPI's processor name).
  public let host: String
  /// Process id on that host.
  public let pid: Int
  /// The capabilities it advertises (tasks can require them).
  public let capabilities: Set<String>

  public init(id: Int, rank: Int, host: String, pid: Int, capabilities: Set<String> = []) {
    self.id = id
    self.rank = rank
    self.host = host
    self.pid = pid
    self.capabilities = capabilities
  }

  public var description: String { "engine \(id) (rank \(rank), host \(host), pid \(pid))" }
}
