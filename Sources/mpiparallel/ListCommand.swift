// `mpiparallel list`: every profile under the base directory and the state of its job.
import ArgumentParser
import Foundation
import MPIParallelSteering

struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "Every profile and its job: running, starting, stale or stopped.",
    discussion: """
      Profiles are the profile_NAME directories under $MPIPARALLEL_HOME (else \
      ~/.mpiparallel). running: the hub named in the connection file is alive; starting: \
      mpirun from cluster.json is alive but no hub serves yet; stale: files of a job whose \
      processes are gone (`mpiparallel stop` removes them); stopped: no job; on HOST: a \
      job whose hub (or mpirun) runs on another host, where its pids can be checked.
      """)

  @Option(help: ArgumentHelp("Only this profile.", valueName: "name"))
  var profile: String?

  @OptionGroup var output: JSONFlag

  struct Entry: Encodable {
    var profile: String
    var state: String
    var address: String?
    var engines: Int?
    var pid: Int?
    var mpirun: Int?
    var connectionFile: String
  }

  func validate() throws {
    if let profile { _ = try ConnectionOptions.directory(profile) }
  }

  func run() throws {
    let base = ProfileDirectory.base()
    let entries = ProfileDirectory.all(base: base).filter { profile == nil || $0.name == profile }.map(entry)
    if output.json {
      try Output.json(entries)
      return
    }
    guard !entries.isEmpty else {
      print(profile.map { "no profile \($0) under \(base)" } ?? "no profiles under \(base)")
      return
    }
    let text = { (value: Int?) in value.map(String.init) ?? "-" }
    Output.table(
      ["profile", "state", "address", "engines", "pid", "mpirun"],
      entries.map {
        [$0.profile, $0.state, $0.address ?? "-", text($0.engines), text($0.pid), text($0.mpirun)]
      })
  }

  func entry(_ directory: ProfileDirectory) -> Entry {
    let fileExists = FileManager.default.fileExists(atPath: directory.connectionFile)
    let file = try? ConnectionFile.read(from: directory.connectionFile)
    let record = ClusterRecord.read(from: directory.clusterFile)
    let state: String
    // A pid names a process on its own host only: a job elsewhere is not judged by its pids.
    if let file, let host = file.host, !ProcessTools.isThisHost(host) {
      state = "on \(host)"
    } else if let file, ClusterRecord.isRunning(file.pid, record: record) {
      state = "running"
    } else if let record, let host = record.host, !record.isThisHost {
      state = "on \(host)"
    } else if let record, ClusterRecord.isRunning(record.pid, record: record) {
      state = "starting"
    } else if fileExists || FileManager.default.fileExists(atPath: directory.clusterFile) {
      state = "stale"
    } else {
      state = "stopped"
    }
    return Entry(
      profile: directory.name, state: state, address: file?.address,
      engines: file?.engines ?? record?.engines,
      pid: file?.pid ?? record?.hub, mpirun: record?.pid, connectionFile: directory.connectionFile)
  }
}
