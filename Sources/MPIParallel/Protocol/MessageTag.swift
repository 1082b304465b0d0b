/// MPI tags of the runtime's point-to-point messages on the world communicator.
enum MessageTag {
  /// Hub to engine: every request (calls, namespace operations, collective
  /// announcements, shutdown). One tag keeps them in order per engine.
  static let request = 11
  /// Engine to hub, once at start: rank, pid, host.
  static let hello = 12
  /// Engine to hub: the reply to one request.
  static let reply = 13
  /// Engine to hub: several replies in one message (count, then length and reply each).
  static let replyBundle = 14
  /// Either way: a message too large for the receiver's posted receive is
  /// announced (its tag and size, see `Framing`), then sent whole with `largePayload`.
  static let large = 15
  static let largePayload = 16
}

/// How a scattered, gathered or broadcast value crosses: as raw numbers or encoded.
enum TransferMode: Equatable, Sendable {
  /// An array of numbers, as raw memory.
  case raw(ScalarKind)
  /// Any Codable value, in the wire format.
  case encoded
}
