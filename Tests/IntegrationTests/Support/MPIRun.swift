import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What one run of a program (under `mpirun` or directly) did.
struct MPIRunResult {
  /// Exit status; for a process killed by a signal, 128 + the signal number (like a shell).
  let status: Int32
  let stdout: String
  let stderr: String
  /// True when the watchdog killed the run after its timeout.
  let timedOut: Bool
  /// Wall-clock seconds from launch until the run was reaped.
  let duration: Double

  /// A summary for failure messages: status, duration, timeout, and the last 2000 characters of
  /// stdout and stderr. Use as `XCTAssertEqual(r.status, 0, r.describe())` or
  /// `if r.timedOut { XCTFail(r.describe()) }`.
  func describe() -> String {
    var lines: [String] = []
    if timedOut {
      lines.append(
        "TIMED OUT: killed by the watchdog after \(String(format: "%.1f", duration)) s "
          + "(status \(status)); last output below")
    } else {
      lines.append("exit status \(status) after \(String(format: "%.2f", duration)) s")
    }
    lines.append("--- stdout (last 2000 chars of \(stdout.count)) ---")
    lines.append(Self.tail(stdout))
    lines.append("--- stderr (last 2000 chars of \(stderr.count)) ---")
    lines.append(Self.tail(stderr))
    lines.append("--- end ---")
    return lines.joined(separator: "\n")
  }

  static func tail(_ text: String, _ limit: Int = 2000) -> String {
    text.count <= limit ? text : "…" + String(text.suffix(limit))
  }
}

/// Errors of the integration-test harness.
enum MPIRunError: Error, CustomStringConvertible {
  /// The executable product was not found in the bin directory the tests were built into.
  case productNotFound(product: String, path: String, searched: [String])
  /// `mpirun` is not on PATH (nor in /usr/bin or /usr/local/bin).
  case mpirunNotFound(path: String)
  /// An executable given by name was not found on PATH.
  case executableNotFound(name: String)
  /// `ranks` was below 1.
  case invalidRankCount(Int)
  /// posix_spawn or pipe failed.
  case spawnFailed(executable: String, errno: Int32)

  var description: String {
    switch self {
    case .productNotFound(let product, let path, let searched):
      let others = searched.filter { $0 != path }
      return "executable product '\(product)' not found at \(path) (run swift build first)"
        + (others.isEmpty ? "" : "; also looked in: \(others.joined(separator: ", "))")
    case .mpirunNotFound(let path):
      return "mpirun not found on PATH (\(path)); install openmpi-bin (Scripts/test does it)"
    case .executableNotFound(let name):
      return "executable '\(name)' not found on PATH"
    case .invalidRankCount(let ranks):
      return "mpirun needs at least 1 rank, got \(ranks)"
    case .spawnFailed(let executable, let code):
      return "could not start \(executable): \(String(cString: strerror(code))) (errno \(code))"
    }
  }
}

/// Runs this package's executables (or system binaries) under `mpirun`, each run started with
/// `setsid` (a Unix process session of its own) and guarded by a watchdog.
///
/// Open MPI moves every rank into a process group of its own, so mpirun's process group does not
/// cover the ranks; the Unix session id does. The watchdog therefore signals the process group
/// and then every process with the run's session id (found in /proc, never by name).
enum MPIRun {
  /// Runs a built executable product of this package under `mpirun -np ranks` (oversubscribed, root-safe env), with a watchdog: past `timeout` seconds the whole mpirun process group is killed (SIGTERM, then SIGKILL after 3 s) and timedOut is true.
  /// With `recovery`, mpirun gets `--enable-recovery`: the job goes on when an engine dies.
  static func run(
    _ product: String, ranks: Int, arguments: [String] = [], environment: [String: String] = [:],
    timeout: Double = 60, recovery: Bool = false
  ) throws -> MPIRunResult {
    try launch(
      executable: productPath(product), ranks: ranks, arguments: arguments,
      environment: environment, timeout: timeout, recovery: recovery
    ).result
  }

  /// Runs a built executable directly (no mpirun), same watchdog.
  static func runDirect(
    _ product: String, arguments: [String] = [], environment: [String: String] = [:],
    timeout: Double = 60
  ) throws -> MPIRunResult {
    try runDirect(
      executable: productPath(product), arguments: arguments, environment: environment,
      timeout: timeout)
  }

  /// Absolute path of a built executable of this package (the debug bin dir the tests were built into); throws a clear error naming the product and the path it looked at when it's missing ("run swift build first").
  static func productPath(_ product: String) throws -> String {
    let dirs = binDirectoryCandidates()
    for dir in dirs {
      let path = (dir as NSString).appendingPathComponent(product)
      if isExecutableFile(path) { return path }
    }
    let preferred = dirs.first ?? FileManager.default.currentDirectoryPath
    throw MPIRunError.productNotFound(
      product: product, path: (preferred as NSString).appendingPathComponent(product), searched: dirs)
  }

  // MARK: - Internal entry points (also used by HarnessTests)

  /// Runs any executable (an absolute path, or a name looked up on PATH by mpirun) under
  /// `mpirun --oversubscribe -np ranks`, with the watchdog.
  static func run(
    executable path: String, ranks: Int, arguments: [String] = [],
    environment: [String: String] = [:], timeout: Double = 60
  ) throws -> MPIRunResult {
    try launch(
      executable: path, ranks: ranks, arguments: arguments, environment: environment,
      timeout: timeout
    ).result
  }

  /// Runs any executable (an absolute path or a name on PATH) directly, with the watchdog.
  static func runDirect(
    executable path: String, arguments: [String] = [], environment: [String: String] = [:],
    timeout: Double = 60
  ) throws -> MPIRunResult {
    try launch(
      executable: path, ranks: nil, arguments: arguments, environment: environment,
      timeout: timeout
    ).result
  }

  /// Like `run(executable:)` (`ranks` given) or `runDirect(executable:)` (`ranks` nil), but also
  /// returns the session id of the run (the pid of mpirun, which leads its own session and group).
  static func launch(
    executable path: String, ranks: Int?, arguments: [String], environment: [String: String],
    timeout: Double, recovery: Bool = false
  ) throws -> (result: MPIRunResult, session: pid_t) {
    let env = mergedEnvironment(environment)
    var argv: [String]
    if let ranks = ranks {
      guard ranks >= 1 else { throw MPIRunError.invalidRankCount(ranks) }
      guard let mpirun = findExecutable("mpirun", path: env["PATH"]) else {
        throw MPIRunError.mpirunNotFound(path: env["PATH"] ?? "")
      }
      argv = [mpirun, "--oversubscribe"] + (recovery ? ["--enable-recovery"] : []) + ["-np", String(ranks), path]
    } else {
      guard let resolved = findExecutable(path, path: env["PATH"]) else {
        throw MPIRunError.executableNotFound(name: path)
      }
      argv = [resolved]
    }
    argv += arguments
    return try execute(argv, environment: env, timeout: timeout)
  }

  /// The settings of Scripts/mpi-env.sh (keep the two in sync).
  static var mpiEnvironment: [String: String] {
    var env: [String: String] = [
      "OMPI_MCA_rmaps_base_oversubscribe": "1",
      "PRTE_MCA_rmaps_default_mapping_policy": ":oversubscribe",
      "OMPI_MCA_btl_base_warn_component_unused": "0",
      "OMPI_MCA_odls_base_sigkill_timeout": "3",
    ]
    if geteuid() == 0 {
      env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
      env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    }
    if inContainerWithoutPtrace() {
      env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
    }
    return env
  }

  /// Current environment, then the MPI settings (only the oversubscribe and root switches override
  /// what is already set), then `extra`.
  static func mergedEnvironment(_ extra: [String: String]) -> [String: String] {
    var env = ProcessInfo.processInfo.environment
    let forced: Set<String> = [
      "OMPI_MCA_rmaps_base_oversubscribe", "OMPI_ALLOW_RUN_AS_ROOT", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM",
    ]
    for (key, value) in mpiEnvironment where forced.contains(key) || env[key] == nil {
      env[key] = value
    }
    if findExecutable("mpirun", path: env["PATH"]) == nil {
      env["PATH"] = (env["PATH"].map { $0 + ":" } ?? "") + "/usr/bin:/usr/local/bin"
    }
    for (key, value) in extra { env[key] = value }
    return env
  }

  /// Pids of the processes (zombies excluded) whose session id is `session`.
  static func livingProcesses(inSession session: pid_t) -> [pid_t] {
    processTable().filter { $0.session == session && $0.state != "Z" }.map(\.pid)
  }

  /// Pids of the processes (zombies excluded) whose process group is `group`.
  static func livingProcesses(inGroup group: pid_t) -> [pid_t] {
    processTable().filter { $0.group == group && $0.state != "Z" }.map(\.pid)
  }

  // MARK: - Bin directory

  /// Directories that may hold the package's executables, best first: the one holding the running
  /// test bundle, then `.build/debug` of the package this file belongs to.
  static func binDirectoryCandidates() -> [String] {
    var dirs: [String] = []
    func add(_ dir: String?) {
      guard let dir = dir, !dir.isEmpty else { return }
      let std = (dir as NSString).standardizingPath
      if !dirs.contains(std) { dirs.append(std) }
    }
    func addHolder(ofBundle path: String) {
      // On Linux the .xctest is the test executable in the bin dir; on macOS it is a bundle
      // directory in the bin dir. Either way its parent is the bin dir.
      if path.hasSuffix(".xctest") || path.contains(".xctest/") {
        var p = path
        while !p.hasSuffix(".xctest") && p != "/" { p = (p as NSString).deletingLastPathComponent }
        add((p as NSString).deletingLastPathComponent)
      }
    }
    for bundle in Bundle.allBundles { addHolder(ofBundle: bundle.bundlePath) }
    if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      addHolder(ofBundle: exe)
    }
    if let arg0 = CommandLine.arguments.first, arg0.contains("/") {
      addHolder(ofBundle: (arg0 as NSString).standardizingPath)
    }
    // Linux: Bundle.main is the directory of the test executable.
    if Bundle.main.bundlePath.contains("/.build/") { add(Bundle.main.bundlePath) }
    // Fallback: <package root>/.build/debug, from this source file's location.
    var dir = (#filePath as NSString).deletingLastPathComponent
    while dir != "/" && !dir.isEmpty {
      if FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("Package.swift")) {
        add((dir as NSString).appendingPathComponent(".build/debug"))
        break
      }
      dir = (dir as NSString).deletingLastPathComponent
    }
    return dirs
  }

  // MARK: - Process plumbing

  /// posix_spawn's GNU flag POSIX_SPAWN_SETSID (glibc >= 2.26; not imported into Swift).
  private static let spawnSetSID: Int32 = 0x80

  /// Spawns `argv` in a new session (pid == session id == process group id), collects stdout and
  /// stderr concurrently, and enforces `timeout`.
  static func execute(_ argv: [String], environment: [String: String], timeout: Double) throws
    -> (result: MPIRunResult, session: pid_t)
  {
    let start = DispatchTime.now()
    let outPipe = try makePipe(argv[0])
    let errPipe: (read: Int32, write: Int32)
    do {
      errPipe = try makePipe(argv[0])
    } catch {
      close(outPipe.read)
      close(outPipe.write)
      throw error
    }

    let envStrings = environment.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    var code = spawn(argv, envStrings, stdout: outPipe.write, stderr: errPipe.write, pid: &pid, setsid: true)
    if code == EINVAL || code == ENOSYS, let setsid = findExecutable("setsid", path: "/usr/bin:/bin") {
      // Old libc without POSIX_SPAWN_SETSID: the child is not a group leader, so setsid(1) calls
      // setsid() and execs in place, keeping the pid.
      code = spawn(
        [setsid] + argv, envStrings, stdout: outPipe.write, stderr: errPipe.write, pid: &pid, setsid: false)
    }
    close(outPipe.write)
    close(errPipe.write)
    guard code == 0 else {
      close(outPipe.read)
      close(errPipe.read)
      throw MPIRunError.spawnFailed(executable: argv[0], errno: code)
    }

    let stopReading = Flag()
    let readers = DispatchGroup()
    let out = Collector()
    let err = Collector()
    startReader(fd: outPipe.read, into: out, group: readers, stop: stopReading)
    startReader(fd: errPipe.read, into: err, group: readers, stop: stopReading)

    var timedOut = false
    var rawStatus: Int32 = 0
    let deadline = Date().addingTimeInterval(timeout)
    if !waitForExit(pid, until: deadline, status: &rawStatus) {
      timedOut = true
      signalRun(pid, SIGTERM)
      if !waitForExit(pid, until: Date().addingTimeInterval(3), status: &rawStatus) {
        signalRun(pid, SIGKILL)
        _ = waitForExit(pid, until: .distantFuture, status: &rawStatus)
      }
    }
    // Whatever is left of the run (ranks orphaned by a dying mpirun) goes too.
    sweep(session: pid)

    // Pipes reach EOF once every writer is gone; don't hang on a writer that escaped the session.
    if readers.wait(timeout: .now() + 5) == .timedOut {
      stopReading.set()
      readers.wait()
    }
    close(outPipe.read)
    close(errPipe.read)

    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    let result = MPIRunResult(
      status: exitStatus(rawStatus), stdout: out.string, stderr: err.string, timedOut: timedOut,
      duration: seconds)
    return (result, pid)
  }

  private static func spawn(
    _ argv: [String], _ env: [String], stdout: Int32, stderr: Int32, pid: inout pid_t, setsid: Bool
  ) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)

    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attr, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attr, &allSignals)
    var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
    if setsid { flags |= spawnSetSID }
    posix_spawnattr_setflags(&attr, Int16(flags))

    let cArgv = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer {
      for p in cArgv { free(p) }
      for p in cEnv { free(p) }
    }
    return posix_spawn(&pid, argv[0], &actions, &attr, cArgv, cEnv)
  }

  private static func makePipe(_ what: String) throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [0, 0]
    // Close-on-exec, so concurrently spawned children don't inherit (and hold open) our pipes;
    // dup2 in the child clears the flag on fds 1 and 2.
    // (pipe2 is a GNU extension Swift does not import; the window before fcntl is tiny.)
    guard pipe(&fds) == 0 else {
      throw MPIRunError.spawnFailed(executable: what, errno: errno)
    }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return (fds[0], fds[1])
  }

  /// Polls `waitpid` until the child is reaped (true) or `deadline` passes (false).
  private static func waitForExit(_ pid: pid_t, until deadline: Date, status: inout Int32) -> Bool {
    while true {
      var raw: Int32 = 0
      let r = waitpid(pid, &raw, WNOHANG)
      if r == pid {
        status = raw
        return true
      }
      if r == -1 && errno != EINTR {
        status = -1  // not our child any more (ECHILD: reaped elsewhere); exit status unknown
        return true
      }
      if Date() >= deadline { return false }
      usleep(10_000)
    }
  }

  /// Signals the run's process group, then every other process of its session.
  private static func signalRun(_ session: pid_t, _ signal: Int32) {
    kill(-session, signal)
    for pid in livingProcesses(inSession: session) where pid != session {
      kill(pid, signal)
    }
  }

  /// SIGTERMs, then (after up to 3 s) SIGKILLs, processes left in the session.
  private static func sweep(session: pid_t) {
    guard !livingProcesses(inSession: session).isEmpty else { return }
    for pid in livingProcesses(inSession: session) { kill(pid, SIGTERM) }
    let deadline = Date().addingTimeInterval(3)
    while Date() < deadline && !livingProcesses(inSession: session).isEmpty { usleep(20_000) }
    for pid in livingProcesses(inSession: session) { kill(pid, SIGKILL) }
    let killDeadline = Date().addingTimeInterval(2)
    while Date() < killDeadline && !livingProcesses(inSession: session).isEmpty { usleep(20_000) }
  }

  private static func exitStatus(_ raw: Int32) -> Int32 {
    if raw == -1 { return -1 }  // unknown (see waitForExit)
    let signal = raw & 0x7f
    if signal == 0 { return (raw >> 8) & 0xff }  // WIFEXITED: WEXITSTATUS
    return 128 + signal  // WIFSIGNALED: like a shell
  }

  private static func startReader(fd: Int32, into collector: Collector, group: DispatchGroup, stop: Flag) {
    group.enter()
    let thread = Thread {
      defer { group.leave() }
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, 100)
        if ready == 0 {
          if stop.isSet { return }
          continue
        }
        if ready < 0 {
          if errno == EINTR { continue }
          return
        }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
          collector.append(buffer, count: n)
        } else if n == 0 || errno != EINTR {
          return
        }
      }
    }
    thread.start()
  }

  // MARK: - Lookups

  private static func isExecutableFile(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
      && access(path, X_OK) == 0
  }

  static func findExecutable(_ name: String, path: String?) -> String? {
    if name.contains("/") { return isExecutableFile(name) ? name : nil }
    let dirs = (path ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
    for dir in dirs where !dir.isEmpty {
      let candidate = (dir as NSString).appendingPathComponent(name)
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  /// Shared-memory single copy (CMA) fails in containers without CAP_SYS_PTRACE (see mpi-env.sh).
  private static func inContainerWithoutPtrace() -> Bool {
    let fm = FileManager.default
    guard fm.fileExists(atPath: "/.dockerenv") || fm.fileExists(atPath: "/run/.containerenv"),
      let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
      let caps = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
    else { return false }
    return caps & (1 << 19) == 0  // CAP_SYS_PTRACE
  }

  private struct ProcessEntry {
    let pid: pid_t
    let state: Character
    let group: pid_t
    let session: pid_t
  }

  /// Every process in /proc with its state, process group and session.
  private static func processTable() -> [ProcessEntry] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var entries: [ProcessEntry] = []
    for name in names {
      guard let pid = pid_t(name),
        let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        let closeParen = stat.lastIndex(of: ")")
      else { continue }
      // After "pid (comm) ": state ppid pgrp session ...
      let fields = stat[stat.index(after: closeParen)...].split(separator: " ")
      guard fields.count >= 4, let state = fields[0].first, let group = pid_t(fields[2]),
        let session = pid_t(fields[3])
      else { continue }
      entries.append(ProcessEntry(pid: pid, state: state, group: group, session: session))
    }
    return entries
  }
}

/// Bytes read from one pipe, appended by its reader thread.
private final class Collector: Sendable {
  private let data = Mutex(Data())

  func append(_ bytes: [UInt8], count: Int) {
    data.withLock { $0.append(contentsOf: bytes[0..<count]) }
  }

  var string: String {
    data.withLock { String(decoding: $0, as: UTF8.self) }
  }
}

private final class Flag: Sendable {
  private let value = Mutex(false)

  func set() {
    value.withLock { $0 = true }
  }

  var isSet: Bool {
    value.withLock { $0 }
  }
}
