/// Why the liveness channel could not be set up.
enum LivenessError: Error, Equatable, CustomStringConvertible {
  /// A system call failed (`call` names it; `errno`'s text follows).
  case system(call: String, reason: String)
  /// `MPIPARALLEL_LIVENESS_PORT` is not a port number.
  case badPort(String)
  /// No address of the endpoint led to the hub; one reason per address tried.
  case unreachable([String])
  /// The hub answered the hello and refused it.
  case refused(engineID: Int, reason: String)

  var description: String {
    switch self {
    case .system(let call, let reason):
      return "liveness channel: \(call) failed: \(reason)"
    case .badPort(let text):
      return "MPIPARALLEL_LIVENESS_PORT='\(text)' is not a port number (0...65535)"
    case .unreachable(let reasons):
      return "could not reach the hub's liveness port: " + reasons.joined(separator: "; ")
    case .refused(let engineID, let reason):
      return "the hub refused engine \(engineID)'s liveness connection: \(reason)"
    }
  }
}
