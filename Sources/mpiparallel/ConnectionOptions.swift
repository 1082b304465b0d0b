// The options every steering command shares: which job (`--profile`,
// `--connection-file`), and connecting to it.
import ArgumentParser
import Foundation
import MPIParallelSteering

struct ConnectionOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The job's profile: its files are in <base>/profile_NAME (base: $MPIPARALLEL_HOME, else ~/.mpiparallel).",
      valueName: "name"))
  var profile = "default"

  @Option(
    help: ArgumentHelp("A connection file to use instead of the profile's client.json.", valueName: "path"))
  var connectionFile: String?

  func validate() throws {
    _ = try directory()
  }

  /// The profile's directory.
  func directory() throws -> ProfileDirectory { try Self.directory(profile) }

  /// The directory of profile `name`; a usage error for a name that cannot be one.
  static func directory(_ name: String) throws -> ProfileDirectory {
    do {
      return try ProfileDirectory(name: name)
    } catch {
      throw ValidationError("--profile: a profile name is letters, digits, '-', '_' and '.', not '\(name)'")
    }
  }

  /// The connection file to read.
  func connectionPath() throws -> String { try connectionFile ?? directory().connectionFile }

  /// The `cluster.json` that `mpiparallel start` wrote next to the connection file.
  func clusterPath() throws -> String {
    guard let connectionFile else { return try directory().clusterFile }
    return (connectionFile as NSString).deletingLastPathComponent.appending("/cluster.json")
  }

  /// Connects to the job; an unreachable hub whose process is gone is named a stale connection file.
  func connect() throws -> Client {
    let path = try connectionPath()
    do {
      return try Client(connectionFile: path)
    } catch SteeringError.unreachable(let address, let reason) {
      var message = SteeringError.unreachable(address: address, reason: reason).description
      // A pid names a process on its own host only: a hub elsewhere is not judged by it.
      if let file = try? ConnectionFile.read(from: path), file.host.map(ProcessTools.isThisHost) ?? true,
        !ProcessTools.isAlive(file.pid)
      {
        message +=
          "; its process \(file.pid) is gone, so \(path) is stale (`mpiparallel stop` removes it, `mpiparallel start` replaces it)"
      }
      throw CLIError(message)
    }
  }
}

/// `--json`, for the commands that print a table otherwise.
struct JSONFlag: ParsableArguments {
  @Flag(help: "Print JSON (keys sorted) instead of a table.")
  var json = false
}
