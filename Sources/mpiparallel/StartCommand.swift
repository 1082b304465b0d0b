// `mpiparallel start -n N -- APP [ARGS...]`: starts `mpirun -np N+1 APP
// --serve ...` in the background, detached, and waits until its hub serves
// the profile with N engines.
import ArgumentParser
import Foundation
import MPIParallelSteering

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

struct StartCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "start",
    abstract: "Start a program under mpirun as a served job: a hub and N engines.",
    discussion: """
      Runs `mpirun [--oversubscribe] [MPIRUN-ARGS] -np N+1 APP --serve --profile NAME \
      --serve-port PORT [--ip ADDR] ARGS...` detached with setsid, its output in the \
      profile's cluster.log, records it in cluster.json and waits until the hub serves N \
      engines; then prints them. As root it adds OMPI_ALLOW_RUN_AS_ROOT=1 and \
      OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 to the environment. More ranks than cores need \
      --oversubscribe (or OMPI_MCA_rmaps_base_oversubscribe=1, as Scripts/mpi-env.sh sets).
      """)

  @Option(
    name: .customLong("profile"),
    help: ArgumentHelp(
      "The profile to serve (its connection file is <base>/profile_NAME/client.json).", valueName: "name"))
  var profile = "default"

  @Option(help: .hidden)
  var connectionFile: String?

  @Option(
    name: [.customShort("n"), .customLong("engines")],
    help: "How many engines (mpirun starts one more rank, the hub).")
  var engines: Int

  @Option(help: ArgumentHelp("The address the hub listens on (default: 127.0.0.1).", valueName: "addr"))
  var ip: String?

  @Option(help: "The hub's TCP port (0: any free one).")
  var port = 0

  @Option(
    help: ArgumentHelp(
      "Seconds a new connection has to send a signed request before the hub drops it (default 10).",
      valueName: "seconds"))
  var handshakeTimeout: Double?

  @Option(
    help: ArgumentHelp(
      "Seconds a client's connection may sit idle before the hub drops it (default 120).", valueName: "seconds"))
  var idleTimeout: Double?

  @Option(
    help: ArgumentHelp(
      "Connections the hub holds at most before they send a signed request; a new one past it closes the oldest (default 64).",
      valueName: "n"))
  var maxUnsigned: Int?

  @Option(
    help: ArgumentHelp(
      "The same, from one remote address (default 32).", valueName: "n"))
  var maxUnsignedPerAddress: Int?

  @Option(help: "Seconds to wait for the job to serve.")
  var timeout: Double = 60

  @Flag(help: "Pass --oversubscribe to mpirun (more ranks than cores).")
  var oversubscribe = false

  @Flag(
    name: .customLong("no-recovery"),
    help: "Leave out mpirun's --enable-recovery: then one engine that dies ends the whole job.")
  var noRecovery = false

  @Option(
    name: .customLong("mpirun-arg"), parsing: .unconditionalSingleValue,
    help: ArgumentHelp(
      "An argument for mpirun itself, before -np; repeat it: --mpirun-arg --hostfile --mpirun-arg hosts",
      valueName: "arg"))
  var mpirunArguments: [String] = []

  @Option(help: ArgumentHelp("The mpirun to run (default: mpirun on PATH).", valueName: "path"))
  var mpirun: String?

  @Flag(help: "Print JSON: {\"profile\", \"address\", \"hub\", \"mpirun\", \"log\", \"engines\": [...]}.")
  var json = false

  @Argument(
    parsing: .captureForPassthrough,
    help: ArgumentHelp("-- APP [ARGS...]: the program to serve, with its arguments.", valueName: "app"))
  var command: [String] = []

  /// The runtime's flags for the limits given here (the runtime checks their values).
  var hubLimits: [String] {
    var flags: [String] = []
    if let handshakeTimeout { flags += ["--handshake-timeout", String(handshakeTimeout)] }
    if let idleTimeout { flags += ["--idle-timeout", String(idleTimeout)] }
    if let maxUnsigned { flags += ["--max-unsigned", String(maxUnsigned)] }
    if let maxUnsignedPerAddress { flags += ["--max-unsigned-per-address", String(maxUnsignedPerAddress)] }
    return flags
  }

  /// The program and its arguments, without the `--` in front.
  var program: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

  func validate() throws {
    _ = try ConnectionOptions.directory(profile)
    if connectionFile != nil {
      throw ValidationError("start always writes the profile's connection file; choose it with --profile")
    }
    if engines < 1 { throw ValidationError("-n must be at least 1 engine, not \(engines)") }
    if !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535, not \(port)") }
    if !(timeout > 0) { throw ValidationError("--timeout must be positive seconds") }
    guard let app = program.first else {
      throw ValidationError("give the program to serve after --: mpiparallel start -n 4 -- ./App")
    }
    if app.hasPrefix("-") { throw ValidationError("unknown option '\(app)' (the program goes after --)") }
  }

  func run() throws {
    let directory = try ProfileDirectory(name: profile)
    try refuseIfServed(directory)
    do {
      try FileManager.default.createDirectory(
        atPath: directory.path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
      throw CLIError("cannot create \(directory.path): \(error.localizedDescription)")
    }
    guard var app = ProcessTools.findExecutable(program[0]) else {
      throw CLIError("no program \(program[0]) (not an executable file, nor on PATH)")
    }
    if !app.hasPrefix("/") { app = FileManager.default.currentDirectoryPath + "/" + app }
    guard let mpirunPath = ProcessTools.findExecutable(mpirun ?? "mpirun") else {
      throw CLIError(
        "no \(mpirun ?? "mpirun on PATH"): install OpenMPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or give --mpirun PATH"
      )
    }
    // The runtime's flags go right after the program: after a `--` among
    // the program's arguments the runtime would not see them.
    // --enable-recovery: an engine that dies costs its tasks, not the job.
    var argv =
      [mpirunPath] + (oversubscribe ? ["--oversubscribe"] : []) + (noRecovery ? [] : ["--enable-recovery"])
      + mpirunArguments
    argv += ["-np", String(engines + 1), app, "--serve", "--profile", profile, "--serve-port", String(port)]
    argv += (ip.map { ["--ip", $0] } ?? []) + hubLimits + program.dropFirst()

    var environment = ProcessInfo.processInfo.environment
    environment["MPIPARALLEL_HOME"] = ProfileDirectory.base()
    // mpirun, sent SIGTERM, gives the ranks this long after their SIGTERM
    // before SIGKILL (Open MPI's 1 s is too short for rank 0 to finish its
    // journal); Scripts/mpi-env.sh says the same.
    if environment["OMPI_MCA_odls_base_sigkill_timeout"] == nil {
      environment["OMPI_MCA_odls_base_sigkill_timeout"] = "3"
    }
    if geteuid() == 0 {
      environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
      environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    }
    let log = open(directory.logFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard log >= 0 else {
      throw CLIError("cannot write \(directory.logFile): \(String(cString: strerror(errno)))")
    }
    let header = "mpiparallel start: \(argv.joined(separator: " "))\n"
    _ = header.withCString { write(log, $0, strlen($0)) }
    let pid: pid_t
    do {
      defer { close(log) }
      pid = try ProcessTools.spawnDetached(argv, environment: environment, output: log)
    }
    var record = ClusterRecord(
      profile: profile, pid: Int(pid), command: argv, started: ClusterRecord.now(), engines: engines,
      log: directory.logFile)
    record.host = ProcessTools.hostName()
    // mpirun is this process's child, not reaped yet: its pid cannot be reused before this reads it.
    record.recordIdentities(of: [Int(pid)])
    try record.write(to: directory.clusterFile)

    let (client, job) = try waitUntilServed(directory, mpirun: pid)
    defer { client.close() }
    // Rank 0 runs on mpirun's host unless a hostfile put it elsewhere.
    if client.connection.host.map(ProcessTools.isThisHost) ?? true { record.hub = job.pid }
    record.enginePIDs = job.engines.filter { ProcessTools.isThisHost($0.host) }.map(\.pid)
    record.recordIdentities(of: [record.hub].compactMap { $0 } + (record.enginePIDs ?? []))
    try record.write(to: directory.clusterFile)

    let address = client.connection.address
    if json {
      try Output.json(
        JSONValue.object([
          "profile": .string(profile), "address": .string(address), "hub": .int(job.pid),
          "mpirun": .int(Int(pid)),
          "log": .string(directory.logFile), "engines": try JSONValue(encoding: job.engines),
        ]))
    } else {
      print(
        "profile \(profile): \(job.engines.count) engines served at \(address) (hub pid \(job.pid), mpirun pid \(pid)); log \(directory.logFile)"
      )
      Output.engines(job.engines)
    }
  }

  /// Refuses a profile a live job serves; removes the files of a dead one.
  func refuseIfServed(_ directory: ProfileDirectory) throws {
    let stop =
      "stop it with `mpiparallel stop --profile \(profile)`, or start this one under another --profile"
    let record = ClusterRecord.read(from: directory.clusterFile)
    if let file = try? ConnectionFile.read(from: directory.connectionFile) {
      // A pid names a process on its own host only: a hub elsewhere counts as served.
      if let host = file.host, !ProcessTools.isThisHost(host) {
        throw CLIError(
          "profile \(profile) is served from host \(host) (process \(file.pid) there) at \(file.address): \(stop)"
        )
      }
      if ClusterRecord.isRunning(file.pid, record: record) {
        throw CLIError(
          "profile \(profile) is already served by process \(file.pid) at \(file.address): \(stop)")
      }
    }
    if let record, !record.isThisHost {
      throw CLIError(
        "profile \(profile) has a job started on host \(record.host ?? "?") (\(directory.clusterFile)); \(stop)"
      )
    }
    if let record, ClusterRecord.isRunning(record.pid, record: record) {
      throw CLIError(
        "profile \(profile) has a job running: mpirun pid \(record.pid) (\(directory.clusterFile)); \(stop)")
    }
    ClusterRecord.remove(directory.connectionFile)
    ClusterRecord.remove(directory.clusterFile)
  }

  /// Waits for the connection file and a hub that answers with all the
  /// engines. If mpirun exits first, or time runs out (the job is then
  /// stopped), the error ends with the log's last lines.
  func waitUntilServed(_ directory: ProfileDirectory, mpirun pid: pid_t) throws -> (Client, JobInfo) {
    let deadline = Date().addingTimeInterval(timeout)
    var last = "no connection file yet"
    while true {
      if let status = ProcessTools.exitStatus(ofChild: pid) {
        ClusterRecord.remove(directory.clusterFile)
        throw CLIError(
          "the job exited (status \(status)) before it served profile \(profile); the last lines of \(directory.logFile):\n"
            + Output.tail(of: directory.logFile))
      }
      if FileManager.default.fileExists(atPath: directory.connectionFile) {
        do {
          let client = try Client(connectionFile: directory.connectionFile)
          if client.job.engines.count == engines { return (client, client.job) }
          last = "the hub serves \(client.job.engines.count) engines, not \(engines)"
          client.close()
        } catch {
          last = "\(error)"
        }
      }
      if Date() >= deadline {
        let signals = ProcessTools.terminate(Int(pid), grace: 5)
        _ = ProcessTools.exitStatus(ofChild: pid)
        ClusterRecord.remove(directory.clusterFile)
        if let file = try? ConnectionFile.read(from: directory.connectionFile),
          !ProcessTools.isAlive(file.pid)
        {
          ClusterRecord.remove(directory.connectionFile)
        }
        throw CLIError(
          "timed out after \(timeout) s waiting for the job to serve profile \(profile) (\(last)); "
            + "stopped mpirun (pid \(pid), \(signals)); the last lines of \(directory.logFile):\n"
            + Output.tail(of: directory.logFile))
      }
      usleep(100_000)
    }
  }
}
