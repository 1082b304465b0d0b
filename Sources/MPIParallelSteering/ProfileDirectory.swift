import Foundation

/// Where a profile's files live: `~/.mpiparallel/profile_<name>/` (or under
/// `$MPIPARALLEL_HOME` when set), with `client.json` for clients and
/// `cluster.json` and `cluster.log` for a job `mpiparallel start` started.
public struct ProfileDirectory: Sendable, Equatable {
  public let name: String
  public let path: String

  /// The profile called `name` under `base` (the default base when nil).
  public init(name: String = "default", base: String? = nil) throws {
    guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), name != ".",
      name != ".."
    else {
      throw SteeringError.badProfileName(name)
    }
    self.name = name
    path = (base ?? Self.base()) + "/profile_" + name
  }

  /// `$MPIPARALLEL_HOME`, else `~/.mpiparallel`.
  public static func base(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let home = environment["MPIPARALLEL_HOME"], !home.isEmpty { return home }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return home + "/.mpiparallel"
  }

  /// The profiles that have a directory under `base`.
  public static func all(base: String = ProfileDirectory.base()) -> [ProfileDirectory] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
    return names.sorted().compactMap { entry in
      guard entry.hasPrefix("profile_") else { return nil }
      return try? ProfileDirectory(name: String(entry.dropFirst("profile_".count)), base: base)
    }
  }

  public var connectionFile: String { path + "/client.json" }
  public var clusterFile: String { path + "/cluster.json" }
  public var logFile: String { path + "/cluster.log" }

  /// Creates a directory (and its parents) only its owner can enter.
  static func create(_ directory: String) throws {
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw SteeringError.badConnectionFile(
        path: directory, reason: "cannot create the directory: \(error.localizedDescription)")
    }
  }
}
