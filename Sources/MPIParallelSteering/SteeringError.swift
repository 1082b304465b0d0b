/// What went wrong between a steering client and a served job. Each case's
/// description is one line that says where it happened.
public enum SteeringError: Error, Sendable, Equatable, CustomStringConvertible {
  /// No connection file where one was looked for (no job is being served under that profile).
  case noConnectionFile(path: String)
  /// A profile name that cannot name a directory.
  case badProfileName(String)
  /// The connection file exists but cannot be used.
  case badConnectionFile(path: String, reason: String)
  /// The hub could not listen at that address (a port in use, an address not of this machine).
  case cannotListen(address: String, reason: String)
  /// The hub could not be reached at that address.
  case unreachable(address: String, reason: String)
  /// The connection failed or closed while a request was out.
  case connectionLost(String)
  /// The hub refused the message: bad signature, replay, oversized or malformed frame.
  case refused(String)
  /// A reply whose signature does not verify (not from the hub that owns the key).
  case badReplySignature
  /// The hub answered with an error for this request.
  case hub(kind: String, message: String)
  /// JSON text that does not parse.
  case badJSON(String, reason: String)
  /// A JSON value that is not of the type asked for.
  case wrongType(expected: String, got: String, reason: String)
  /// A request or reply frame past the size limit.
  case frameTooLarge(size: Int, limit: Int)
  /// A request that timed out waiting for the hub.
  case timedOut(String)
  /// A task failed on an engine.
  case remote(RemoteFailure)
  /// Several items of one result failed.
  case composite([RemoteFailure])

  public var description: String {
    switch self {
    case .noConnectionFile(let path):
      return
        "no connection file at \(path): is a job being served under this profile? (start one with `mpiparallel start`)"
    case .badProfileName(let name):
      return "'\(name)' is not a profile name: use letters, digits, '-', '_' and '.'"
    case .badConnectionFile(let path, let reason):
      return "connection file \(path) cannot be used: \(reason)"
    case .cannotListen(let address, let reason):
      return "the hub cannot serve at \(address): \(reason)"
    case .unreachable(let address, let reason):
      return "the hub at \(address) is unreachable: \(reason)"
    case .connectionLost(let reason):
      return "the connection to the hub was lost: \(reason)"
    case .refused(let reason):
      return "the hub refused the request: \(reason)"
    case .badReplySignature:
      return "the hub's reply is not signed with the connection file's key: wrong key, or not this job's hub"
    case .hub(let kind, let message):
      return "\(kind): \(message)"
    case .badJSON(let text, let reason):
      return "not JSON: \(text) (\(reason))"
    case .wrongType(let expected, let got, let reason):
      return "expected \(expected), got \(got) (\(reason))"
    case .frameTooLarge(let size, let limit):
      return "a frame of \(size) bytes is past the limit of \(limit) bytes"
    case .timedOut(let what):
      return "timed out: \(what)"
    case .remote(let failure):
      return failure.description
    case .composite(let failures):
      return "\(failures.count) tasks failed: "
        + failures.prefix(3).map(\.description).joined(separator: "; ")
        + (failures.count > 3 ? "; ..." : "")
    }
  }
}
