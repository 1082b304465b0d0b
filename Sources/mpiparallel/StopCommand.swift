// `mpiparallel stop`: asks the served job to stop and waits until its hub and
// mpirun are gone; a job whose hub does not answer but that `start` recorded
// in cluster.json is ended with signals to its mpirun.
import ArgumentParser
import Foundation
import MPIParallelSteering

struct StopCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stop",
    abstract: "Stop the served job and wait until its processes are gone.",
    discussion: """
      Sends stop over the network (the hub finishes queued work, stops the engines and \
      exits) and waits for the hub's process (pid in the connection file) and mpirun (pid \
      in cluster.json); a hub on another host is waited for until it stops serving. Pids \
      are checked and signalled only on their own host: a hub on another host that \
      cannot be reached is an error, its files kept. \
      When the hub cannot be reached, or the job outlives --timeout, mpirun from \
      cluster.json gets SIGTERM, then SIGKILL after --grace seconds. A pid of \
      cluster.json is signalled only while it is still the process start recorded \
      (its start time; for a file without start times, its command line): one that \
      another process has taken over counts as not running. Removes the connection \
      file and cluster.json. Prints one line.
      """)

  @OptionGroup var connection: ConnectionOptions

  @Option(help: "Seconds to wait for the job to exit after it was asked to stop.")
  var timeout: Double = 30

  @Option(help: "Seconds between SIGTERM and SIGKILL.")
  var grace: Double = 5

  func validate() throws {
    if !(timeout.isFinite && timeout >= 0) { throw ValidationError("--timeout must be 0 or more seconds") }
    if !(grace.isFinite && grace >= 0) { throw ValidationError("--grace must be 0 or more seconds") }
  }

  func run() throws {
    let path = try connection.connectionPath()
    let clusterPath = try connection.clusterPath()
    let fileExists = FileManager.default.fileExists(atPath: path)
    let file = try? ConnectionFile.read(from: path)
    let record = ClusterRecord.read(from: clusterPath)
    guard fileExists || record != nil else { throw SteeringError.noConnectionFile(path: path) }
    let name = file?.profile ?? record?.profile ?? connection.profile
    let started = Date()
    // A pid names a process on its own host only: the hub's is checked and
    // signalled only on the hub's host, mpirun's only on the host `start` ran on.
    let hubHost = file?.host
    let hubIsHere = hubHost.map(ProcessTools.isThisHost) ?? true
    let hub = file.map { hubIsHere ? $0.pid : nil } ?? record.flatMap { $0.isThisHost ? $0.hub : nil }
    let mpirun = record.flatMap { $0.isThisHost ? $0.pid : nil }
    let pids = [hub, mpirun].compactMap { $0 }
    // A recorded pid that another process has taken over counts as the
    // job's process gone: it is neither waited for nor signalled.
    let running = { (pid: Int) in ClusterRecord.isRunning(pid, record: record) }
    let replaced = [("mpirun", mpirun), ("hub", hub)].compactMap { role, pid -> String? in
      guard let pid, let record, record.names(pid), case .replaced(let why) = record.status(of: pid) else {
        return nil
      }
      return "\(role) pid \(pid) is another process now, not the job's (\(why))"
    }

    // The hub is asked over the network first, unless it is known gone: it
    // is on this host and its process is not running.
    var unreachable: String?
    if let file, !(hubIsHere && !running(file.pid)) {
      do {
        let client = try Client(connectionFile: path)
        try client.stop()
      } catch {
        unreachable = "\(error)"
      }
    } else {
      unreachable = fileExists ? "its connection file names no live hub" : "no connection file"
    }
    let elsewhere = hubHost.map { "host \($0)" } ?? "another host"
    if file == nil, let record, !record.isThisHost {
      throw CLIError(
        "profile \(name) has no connection file, and its cluster.json was written on host \(record.host ?? "?"): "
          + "its mpirun (pid \(record.pid) there) can be checked only there; run `mpiparallel stop` on that host")
    }

    guard unreachable == nil || hubIsHere || file == nil || mpirun.map(running) == true else {
      throw CLIError(
        "the hub of profile \(name) runs on \(elsewhere) (pid \(file!.pid) there) and cannot be reached from "
          + "this host (\(ProcessTools.hostName())): \(unreachable!); its files are kept (run `mpiparallel stop` "
          + "on \(elsewhere), or make \(file!.address) reachable from here)")
    }
    guard unreachable == nil || pids.contains(where: running) else {
      remove(path, clusterPath, hub: hub, record: record)
      if replaced.isEmpty {
        print("profile \(name) was not running (hub and mpirun gone); removed its stale files")
      } else {
        print(
          "profile \(name) was not running: \(replaced.joined(separator: "; ")); nothing signalled; removed its stale files"
        )
      }
      return
    }

    var how: String
    if unreachable == nil {
      let gone = {
        hubIsHere
          ? !pids.contains(where: running) : !mpirunRuns(mpirun, running) && stoppedServing(file!, path)
      }
      if waitUntil(timeout: timeout, gone) {
        how = "exited"
      } else if let mpirun, running(mpirun) {
        how = "outlived --timeout \(timeout) s after stop; mpirun got " + end(mpirun, record: record)
      } else {
        throw CLIError(
          "asked profile \(name) to stop, but the hub (\(hubIsHere ? "pid \(hub.map(String.init) ?? "?")" : "on \(elsewhere)")) is still running after \(timeout) s"
        )
      }
    } else if let mpirun, running(mpirun) {
      how = "did not answer (\(unreachable!)); mpirun got " + end(mpirun, record: record)
    } else {
      let noMPIRun = replaced.first { $0.hasPrefix("mpirun") } ?? "no live mpirun in \(clusterPath)"
      throw CLIError(
        "the hub of profile \(name) (pid \(hub.map(String.init) ?? "?")) is alive but does not answer: \(unreachable!); "
          + "\(noMPIRun) (not started by `mpiparallel start`?), so end it yourself")
    }
    remove(path, clusterPath, hub: hub, record: record)
    let processes = [
      hubIsHere ? hub.map { "hub pid \($0)" } : "hub on \(elsewhere)", mpirun.map { "mpirun pid \($0)" },
    ].compactMap { $0 }
    print(
      "stopped profile \(name): \(processes.joined(separator: ", ")) \(how) after "
        + String(format: "%.1f s", Date().timeIntervalSince(started)))
  }

  private func mpirunRuns(_ mpirun: Int?, _ running: (Int) -> Bool) -> Bool { mpirun.map(running) ?? false }

  /// Whether the hub of `file`, on another host, stopped serving: its
  /// connection file was removed or replaced, or it no longer answers.
  private func stoppedServing(_ file: ConnectionFile, _ path: String) -> Bool {
    guard let current = try? ConnectionFile.read(from: path), current.key == file.key else { return true }
    // Any failure to connect and be answered with the key means this hub is gone (a
    // tunnel's end accepts and then closes; another job may hold the port).
    do {
      try Client(connectionFile: path, timeout: 2).close()
      return false
    } catch {
      return true
    }
  }

  /// Polls `done` until it holds (true) or `timeout` seconds pass (false).
  private func waitUntil(timeout: Double, _ done: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !done() {
      if Date() >= deadline { return false }
      usleep(100_000)
    }
    return true
  }

  /// Ends mpirun with signals, then whatever of the job it left on this host;
  /// the signals sent. Each pid is checked to be the recorded process right
  /// before it is signalled.
  func end(_ mpirun: Int, record: ClusterRecord?) -> String {
    let running = { (pid: Int) in ClusterRecord.isRunning(pid, record: record) }
    let signals = ProcessTools.terminate(mpirun, grace: grace, alive: running)
    // The ranks' pids are those of the host `start` ran on.
    let recorded =
      record?.isThisHost == true ? [record?.hub].compactMap { $0 } + (record?.enginePIDs ?? []) : []
    let left = recorded.filter(running)
    if !left.isEmpty, !ProcessTools.waitUntilGone(left, timeout: grace, alive: running) {
      ProcessTools.killAll(left, alive: running)
      return signals + " (and SIGKILL for ranks it left: \(left.map(String.init).joined(separator: " ")))"
    }
    return signals
  }

  /// Removes the job's files: cluster.json, and the connection file unless a live hub replaced it.
  func remove(_ path: String, _ clusterPath: String, hub: Int?, record: ClusterRecord?) {
    ClusterRecord.remove(clusterPath)
    if let current = try? ConnectionFile.read(from: path), current.pid != hub,
      ClusterRecord.isRunning(current.pid, record: record)
    {
      return
    }
    ClusterRecord.remove(path)
  }
}
