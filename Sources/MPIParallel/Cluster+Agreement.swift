import Foundation
import MPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension Cluster {
  /// The settings every rank of the job runs with: rank 0's (see
  /// `SharedSettings`). Each rank resolved its own configuration, from code,
  /// its environment and its arguments; an error on any rank ends every rank
  /// with status 2, the first rank that saw one saying why. Otherwise rank 0
  /// sends its settings to all. Two collectives on `world`, before any other.
  static func agree(
    on local: Result<Configuration, ConfigurationError>, environment: [String: String], world: Communicator
  ) -> SharedSettings {
    do {
      let failed: Int64 = if case .failure = local { Int64(world.rank) } else { Int64(world.size) }
      let firstFailed = try world.allreduce(failed, .minimum)
      if firstFailed < world.size {
        if case .failure(let error) = local, firstFailed == world.rank {
          StandardStreams.writeError(
            "MPIParallel: configuration: \(Self.describe(error, rank: world.rank))\n")
        }
        if world.rank == 0 { noteStatus(2) }
        try? MPI.finalize()
        exit(2)
      }
      var bytes: [UInt8] = []
      if world.rank == 0, case .success(let configuration) = local {
        bytes = try SharedSettings(
          configuration: configuration, keepsOpenMPILocks: SharedSettings.keepsOpenMPILocks(in: environment)
        ).encoded()
      }
      var length = Int64(bytes.count)
      try withUnsafeMutableBytes(of: &length) { try world.broadcast($0, root: 0) }
      if world.rank != 0 { bytes = [UInt8](repeating: 0, count: Int(length)) }
      try bytes.withUnsafeMutableBytes { try world.broadcast($0, root: 0) }
      return try SharedSettings(decoding: bytes)
    } catch {
      StandardStreams.writeError(
        "MPIParallel: rank \(world.rank) could not agree on the configuration: \(error)\n")
      MPI.abort(code: 3)
    }
  }

  /// A configuration error as rank `rank` reports it: a rank other than 0
  /// says where it was and that its host's environment is likely the cause.
  static func describe(_ error: ConfigurationError, rank: Int) -> String {
    guard rank != 0 else { return "\(error)" }
    return
      "\(error) (on rank \(rank), host \(MPI.processorName); rank 0's settings are used on every rank, but each rank checks its own code, environment and arguments first)"
  }
}
