// `cluster.json`: what `mpiparallel start` records in the profile's directory
// about the job it started, so that `stop` and `list` can find its processes
// even when the hub does not answer.
import Foundation

struct ClusterRecord: Codable, Equatable {
  var profile: String
  /// mpirun's process id (started with setsid, it leads its own process group).
  var pid: Int
  /// mpirun's command line.
  var command: [String]
  /// When it was started, ISO 8601.
  var started: String
  /// The engines asked for (mpirun runs one more rank, the hub).
  var engines: Int
  /// Where mpirun's output goes.
  var log: String
  /// The hub's process id, once it served.
  var hub: Int?
  /// The engines' process ids on this host, once the job served.
  var enginePIDs: [Int]?

  static func read(from path: String) -> ClusterRecord? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return try? JSONDecoder().decode(ClusterRecord.self, from: data)
  }

  func write(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    do {
      try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
      try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    } catch {
      throw CLIError("cannot write \(path): \(error.localizedDescription)")
    }
  }

  static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date())
  }

  /// Removes a file if it is there.
  static func remove(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
  }
}
