/// What answers a served job's commands: the hub's side of steering. The
/// server has checked each request (signature, replay, size) before it gets here.
public protocol SteeringBackend: Sendable {
  /// Answers one command; a thrown error goes back to the client as an error reply.
  /// Runs on a thread of its own and may block (a `wait`, say).
  func answer(_ command: SteeringCommand) throws -> SteeringAnswer

  /// Called once the reply to `stop` has been sent.
  func stopRequested()
}
