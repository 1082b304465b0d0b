internal import MPIParallelSteering

/// Checks of the numbers a steering request carries, made before the service
/// uses any of them. Every number arrives from the network: one that is out
/// of range is answered with a `badArguments` reply naming the request and
/// the field, so that it never reaches arithmetic that could trap (a trap on
/// the hub ends the whole MPI job) or a wait it could stretch.
enum SteeringRequestCheck {
  /// The most items one task of a map may carry: a call's item count
  /// travels to its engine as a UInt32.
  static let largestChunkSize = Int(UInt32.max)

  /// A map's chunk size: 1 through `largestChunkSize`.
  static func chunkSize(_ value: Int, in request: String) throws {
    guard value >= 1, value <= largestChunkSize else {
      throw failure(request, "chunkSize must be between 1 and \(largestChunkSize), not \(value)")
    }
  }

  /// A wait's timeout in seconds, capped at `longest`: a NaN or negative one
  /// is refused (no wait can be read from it); an infinite one waits the cap.
  static func timeout(_ value: Double, longest: Double, in request: String) throws -> Double {
    guard !value.isNaN, value >= 0 else {
      throw failure(request, "timeout must be 0 or more seconds, not \(value)")
    }
    return Swift.min(value, longest)
  }

  /// A job or task id: ids start at 1 (whether one exists is the caller's to say).
  static func id(_ value: Int, of what: String, in request: String) throws {
    guard value >= 1 else { throw failure(request, "\(what) ids start at 1, not \(value)") }
  }

  /// Every id of a list (an abort's tasks).
  static func ids(_ values: [Int], of what: String, in request: String) throws {
    if let bad = values.first(where: { $0 < 1 }) {
      throw failure(request, "\(what) ids start at 1, not \(bad)")
    }
  }

  /// The engines of a request that names some (a retire's): at least one,
  /// none negative (engine ids start at 0; whether one exists is the
  /// caller's to say).
  static func engineIDs(_ values: [Int], in request: String) throws {
    if values.isEmpty { throw failure(request, "name at least one engine") }
    if let bad = values.first(where: { $0 < 0 }) {
      throw failure(request, "engine ids start at 0, not \(bad)")
    }
  }

  /// How many of a job's `total` tasks a client has seen: 0 through `total`.
  static func seen(_ after: Int, total: Int, job: Int, in request: String) throws {
    guard after >= 0, after <= total else {
      throw failure(request, "job \(job) has \(total) tasks; cannot start after \(after)")
    }
  }

  /// A `badArguments` reply for `request`.
  static func failure(_ request: String, _ message: String) -> SteeringFailure {
    SteeringFailure("badArguments", "\(request): \(message)")
  }
}
