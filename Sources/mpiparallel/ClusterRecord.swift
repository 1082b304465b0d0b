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
  /// The hub's process id, once it served, when it runs on `host`.
  var hub: Int?
  /// The engines' process ids on `host`, once the job served.
  var enginePIDs: [Int]?
  /// The host `start` ran on, where mpirun and these pids are: a pid names a
  /// process on its own host only. Absent from files of older versions.
  var host: String?

  /// Whether the recorded pids are this host's (a file without a host is taken to be).
  var isThisHost: Bool { host.map(ProcessTools.isThisHost) ?? true }
  /// Which processes those pids were when recorded (mpirun's, then the
  /// hub's and the engines'), so that a pid reused since is not taken for
  /// the job's. Absent from the files of older versions.
  var identities: [ProcessIdentity]?

  /// Records the identity of each live pid among `pids` (replacing what was
  /// recorded for it).
  mutating func recordIdentities(of pids: [Int]) {
    var kept = (identities ?? []).filter { !pids.contains($0.pid) }
    kept += pids.compactMap(ProcessIdentity.of)
    identities = kept
  }

  /// Whether `pid` is one this record names (mpirun, the hub or an engine).
  func names(_ pid: Int) -> Bool {
    pid == self.pid || pid == hub || (enginePIDs ?? []).contains(pid)
  }

  /// What the recorded process `pid` is now. With its identity recorded,
  /// its start time decides. Without (a file of an older version, or a
  /// process /proc could not describe at start), its command line must be
  /// the recorded one: mpirun's whole command, or for a rank the program's
  /// part of it (from the program on, as mpirun starts each rank); any other
  /// process is not taken for the job's, so that nothing is signalled on a
  /// guess.
  func status(of pid: Int) -> ProcessIdentity.Status {
    if let identity = identities?.first(where: { $0.pid == pid }) { return identity.status }
    guard ProcessTools.isAlive(pid) else { return .gone }
    guard let line = ProcessIdentity.commandLine(of: pid) else {
      return .replaced("no start time recorded for it, and its command line cannot be read")
    }
    if line == command || (programPart.map { line == $0 } ?? false) { return .running }
    return .replaced(
      "no start time recorded for it, and it runs `\(line.joined(separator: " "))`, not the job's command")
  }

  /// Whether `pid` runs as a process of the job: one `record` names must
  /// still be the recorded process; any other pid (a hub's from its
  /// connection file, with no record) is judged by being alive.
  static func isRunning(_ pid: Int, record: ClusterRecord?) -> Bool {
    guard let record, record.names(pid) else { return ProcessTools.isAlive(pid) }
    return record.status(of: pid) == .running
  }

  /// The program and its arguments in mpirun's command (what follows `-np N`).
  private var programPart: [String]? {
    guard let np = command.firstIndex(of: "-np"), np + 2 < command.count else { return nil }
    return Array(command[(np + 2)...])
  }

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
