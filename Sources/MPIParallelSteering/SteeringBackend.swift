/// What answers a served job's commands: the hub's side of steering. The
/// server has checked each request (signature, replay, size) before it gets here.
public protocol SteeringBackend: Sendable {
  /// Answers one command; a thrown error goes back to the client as an error reply.
  /// Runs on one of the server's request threads, never on its event loop
  /// or Dispatch's shared pool; it may block for a moment (a post to the
  /// hub), never for long. `stop` is answered on the event loop and must
  /// not block at all.
  func answer(_ command: SteeringCommand) throws -> SteeringAnswer

  /// Hands `reply` the work that answers `command` once it can be answered:
  /// at once for most commands, later for a `wait` on a job not finished
  /// (when the job finishes, or when the wait's timeout passes), so that a
  /// waiting client holds no thread. Calls `reply` exactly once, from any
  /// thread, and returns without blocking (it may run on the event loop);
  /// the server runs the work it is handed on a request thread of its own.
  /// The default answers at once with ``answer(_:)``.
  func answer(
    _ command: SteeringCommand,
    reply: @escaping @Sendable (_ work: @escaping @Sendable () throws -> SteeringAnswer) -> Void)

  /// Called once the reply to `stop` has been sent.
  func stopRequested()
}

extension SteeringBackend {
  public func answer(
    _ command: SteeringCommand,
    reply: @escaping @Sendable (_ work: @escaping @Sendable () throws -> SteeringAnswer) -> Void
  ) {
    reply { try self.answer(command) }
  }
}
