// Processes for `start` and `stop`: spawning mpirun detached with setsid,
// telling whether a pid is alive (a zombie is not), signalling and
// waiting by pid. Nothing is ever looked up or signalled by name.
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

enum ProcessTools {
  /// Whether `pid` names a process that has not exited (zombies count as exited).
  static func isAlive(_ pid: Int) -> Bool {
    guard pid > 1, let id = pid_t(exactly: pid) else { return false }
    if kill(id, 0) != 0 && errno != EPERM { return false }
    if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let paren = stat.lastIndex(of: ")"),
      let state = stat[stat.index(after: paren)...].split(separator: " ").first
    {
      return state != "Z" && state != "X"
    }
    return true
  }

  /// Waits until none of `pids` is alive (by `alive`: a pid another process
  /// took over counts as gone there); false when `timeout` seconds pass first.
  static func waitUntilGone(
    _ pids: [Int], timeout: Double, alive: (Int) -> Bool = ProcessTools.isAlive
  ) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while pids.contains(where: alive) {
      if Date() >= deadline { return false }
      usleep(50_000)
    }
    return true
  }

  /// SIGTERM, then SIGKILL if `pid` is still alive after `grace` seconds;
  /// returns the signals sent ("SIGTERM", "SIGTERM, then SIGKILL").
  /// `alive` tells, right before each signal, whether `pid` is still the
  /// process meant (see `ProcessIdentity`), so a pid reused meanwhile gets none.
  @discardableResult
  static func terminate(_ pid: Int, grace: Double, alive: (Int) -> Bool = ProcessTools.isAlive) -> String {
    guard alive(pid) else { return "no signal (it had exited)" }
    kill(pid_t(pid), SIGTERM)
    if waitUntilGone([pid], timeout: grace, alive: alive) { return "SIGTERM" }
    kill(pid_t(pid), SIGKILL)
    _ = waitUntilGone([pid], timeout: 5, alive: alive)
    return "SIGTERM, then SIGKILL"
  }

  /// SIGKILLs those of `pids` still alive by `alive` (what is left of a job after its mpirun was killed).
  static func killAll(_ pids: [Int], alive: (Int) -> Bool = ProcessTools.isAlive) {
    for pid in pids where alive(pid) { kill(pid_t(pid), SIGKILL) }
  }

  /// The exit status of our child `pid` if it has exited (reaping it), else nil.
  static func exitStatus(ofChild pid: pid_t) -> Int32? {
    var raw: Int32 = 0
    let result = waitpid(pid, &raw, WNOHANG)
    if result == 0 { return nil }
    if result != pid { return -1 }
    let signal = raw & 0x7f
    return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
  }

  /// An executable file: `name` itself when it has a slash, else the first on PATH.
  static func findExecutable(_ name: String) -> String? {
    if name.contains("/") { return isExecutableFile(name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"] {
      let candidate = directory + "/" + name
      if isExecutableFile(candidate) { return candidate }
    }
    return nil
  }

  static func isExecutableFile(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
      && access(path, X_OK) == 0
  }

  /// This machine's host name (what MPI's processor name is on Open MPI).
  static func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Whether a host name (an engine's MPI processor name, a connection
  /// file's host) is this machine: a pid read from elsewhere names a process
  /// here only then.
  static func isThisHost(_ host: String) -> Bool {
    let name = hostName()
    guard !name.isEmpty else { return false }
    let short = { (text: String) in text.split(separator: ".").first.map(String.init) ?? text }
    return host == name || short(host) == short(name)
  }

  /// posix_spawn's GNU flag POSIX_SPAWN_SETSID (glibc >= 2.26; not imported into Swift).
  private static let spawnSetSID: Int32 = 0x80

  /// Starts `argv` detached with setsid (so it outlives this process and no
  /// terminal's signals reach it), standard input from /dev/null, standard
  /// output and error to `output`. Returns its pid.
  static func spawnDetached(_ argv: [String], environment: [String: String], output: Int32) throws -> pid_t {
    let env = environment.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    var code = spawn(argv, env, output: output, setsid: true, pid: &pid)
    if code == EINVAL || code == ENOSYS,
      let setsid = findExecutable("/usr/bin/setsid") ?? findExecutable("setsid")
    {
      // An old libc without POSIX_SPAWN_SETSID: setsid(1) detaches it and execs in place.
      code = spawn([setsid] + argv, env, output: output, setsid: false, pid: &pid)
    }
    guard code == 0 else {
      throw CLIError("cannot start \(argv[0]): \(String(cString: strerror(code)))")
    }
    return pid
  }

  private static func spawn(_ argv: [String], _ env: [String], output: Int32, setsid: Bool, pid: inout pid_t)
    -> Int32
  {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, output, 1)
    posix_spawn_file_actions_adddup2(&actions, output, 2)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
    if setsid { flags |= spawnSetSID }
    posix_spawnattr_setflags(&attributes, Int16(flags))

    let cArgv = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup($0) } + [nil]
    defer {
      for pointer in cArgv { free(pointer) }
      for pointer in cEnv { free(pointer) }
    }
    return posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
  }
}
