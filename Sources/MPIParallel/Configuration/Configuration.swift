import Foundation
import Logging

/// The runtime's settings, in one place: the load-balancing scheme, the
/// high-water mark, the idle back-off, the journal path, the profile and the
/// log level.
///
/// Settings come from three places, each overriding the one before:
///
/// 1. **Code**: the `configuration:` argument of `Cluster.run` (the program's defaults).
/// 2. **Environment**: `MPIPARALLEL_SCHEME`, `MPIPARALLEL_HWM`, `MPIPARALLEL_BACKOFF`,
///    `MPIPARALLEL_JOURNAL`, `MPIPARALLEL_PROFILE`, `MPIPARALLEL_LOG_LEVEL`,
///    `MPIPARALLEL_SERVE`, `MPIPARALLEL_SERVE_PORT`, `MPIPARALLEL_IP`, `MPIPARALLEL_FRAME_LIMIT`,
///    `MPIPARALLEL_STALL_TIMEOUT`, `MPIPARALLEL_ENGINE_TIMEOUT`, `MPIPARALLEL_REPLACE_LOST`,
///    `MPIPARALLEL_HANDSHAKE_TIMEOUT`, `MPIPARALLEL_IDLE_TIMEOUT`, `MPIPARALLEL_MAX_UNSIGNED`,
///    `MPIPARALLEL_MAX_UNSIGNED_PER_ADDRESS` (an empty value counts as unset);
///    each engine also reads `MPIPARALLEL_CAPABILITIES` (see `capabilities`).
/// 3. **Command line**: `--scheme NAME`, `--hwm N`, `--backoff SPEC`, `--journal FILE`,
///    `--profile NAME`, `--log-level LEVEL`, `--serve`, `--serve-port N`, `--ip ADDR`,
///    `--frame-limit BYTES`, `--stall-timeout SECONDS`, `--engine-timeout SECONDS`, `--replace-lost`,
///    `--handshake-timeout SECONDS`, `--idle-timeout SECONDS`, `--max-unsigned N`,
///    `--max-unsigned-per-address N` (also as `--flag=VALUE`) among the program's arguments. The runtime takes its own
///    flags and leaves the rest to the program (`Cluster.arguments`); a `--` ends
///    the runtime's flags.
///
/// ```swift
/// Cluster.run(f, g, configuration: Configuration(highWaterMark: 2)) { client in ... }
/// ```
///
/// ```sh
/// MPIPARALLEL_HWM=4 mpirun -np 9 ./App --log-level debug
/// ```
///
/// An invalid value (an unknown scheme, a negative high-water mark, ...) stops the
/// program at start-up with a message naming the setting, where it came from and
/// the valid values (exit status 2). Every rank runs with rank 0's
/// configuration: mpirun hands its environment to the ranks on its own host
/// only, so ranks on other hosts may read other values.
public struct Configuration: Sendable, Equatable {
  /// A load-balancing scheme: how the hub picks the engine for the next task
  /// (`leastload`, `lru`, `plainrandom`, `twobin`, `weighted`).
  public typealias Scheme = SchemeName

  /// How the hub picks engines for load-balanced tasks (default `.leastload`).
  public var scheme: Scheme
  /// How many requests an engine may hold at once and still get a
  /// load-balanced task: its load-balanced tasks and its direct work
  /// together (default 1: only an idle engine gets one; 0: no limit).
  public var highWaterMark: Int
  /// Whether the hub sets each engine's high-water mark itself, from the
  /// round trip and the tasks' run times, so that engines on other hosts do
  /// not sit idle while replies and tasks cross the network (`--hwm auto`):
  /// true always, false never (`highWaterMark` holds), nil (the default)
  /// when some engine runs on a host other than rank 0's. Tasks whose run
  /// time dwarfs the round trip keep one task per engine.
  public var automaticHighWaterMark: Bool? = nil
  /// How the hub and the engines poll while idle.
  public var backoff: Backoff
  /// Where the hub journals its tasks (SQLite): finished tasks are recorded, and a
  /// program started again with the same journal resumes where it stopped.
  public var journal: String?
  /// The steering profile: where a served job writes its connection file
  /// (`~/.mpiparallel/profile_<name>/client.json`; `default` when nil).
  public var profile: String?
  /// The runtime's log level (default `.warning`: quiet). `.debug` shows the hub's decisions.
  public var logLevel: Logger.Level
  /// Whether rank 0 serves steering clients over TCP instead of running the
  /// driver: the engines wait, the hub answers clients until one says stop.
  public var serve: Bool
  /// The TCP port steering clients connect to (0: any free port; the
  /// connection file says which).
  public var servePort: Int
  /// The address the steering listener binds (default 127.0.0.1: this machine
  /// only, reached from elsewhere through an SSH tunnel; 0.0.0.0: every interface).
  public var serveIP = "127.0.0.1"
  /// The largest steering frame accepted, in bytes (default 256 MiB).
  public var frameLimit = 256 << 20
  /// Seconds a steering client may stall in the middle of a frame before it is dropped.
  public var stallTimeout = 30.0
  /// Seconds without a heartbeat after which the hub counts an engine whose
  /// host went silent as lost (default 5; an engine whose process dies is
  /// noticed at once, its connection closed by the kernel). Heartbeats go
  /// every tenth of it, at most every half second.
  public var engineTimeout = 5.0

  /// Whether the hub starts a new engine for each one lost (under
  /// `mpirun --enable-recovery`), so that a long farm keeps its width
  /// (`--replace-lost`, `MPIPARALLEL_REPLACE_LOST=1`). The launcher needs room
  /// for it, as for `Client.addEngines`.
  public var replaceLostEngines = false

  /// The steering hub's limits on connections and their timeouts.
  public var steeringLimits = SteeringLimits()

  /// The liveness channel's timings (see `engineTimeout`).
  var livenessSettings: LivenessSettings {
    LivenessSettings(interval: Swift.min(0.5, engineTimeout / 10), timeout: engineTimeout)
  }
  /// Capabilities engines advertise, by engine id (`[2: ["gpu"]]`); tasks can
  /// require them (`TaskFlags.requires`). Each engine also adds the
  /// comma-separated names in its own `MPIPARALLEL_CAPABILITIES`.
  public var capabilities: [Int: Set<String>] = [:]

  /// The capabilities engine `id` advertises: this configuration's, and its process's environment's.
  func capabilities(ofEngine id: Int) -> Set<String> {
    let environment = ProcessInfo.processInfo.environment["MPIPARALLEL_CAPABILITIES"] ?? ""
    let named = environment.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    return capabilities[id, default: []].union(named.filter { !$0.isEmpty })
  }

  /// A configuration; every setting left out keeps its default.
  public init(
    scheme: Scheme = .leastload, highWaterMark: Int? = nil, backoff: Backoff = Backoff(),
    journal: String? = nil, profile: String? = nil, logLevel: Logger.Level = .warning,
    serve: Bool = false, servePort: Int = Configuration.defaultServePort
  ) {
    self.scheme = scheme
    // A high-water mark given here holds everywhere; left out, it is 1 on
    // one host and automatic across hosts.
    self.highWaterMark = highWaterMark ?? 1
    if highWaterMark != nil { automaticHighWaterMark = false }
    self.backoff = backoff
    self.journal = journal
    self.profile = profile
    self.logLevel = logLevel
    self.serve = serve
    self.servePort = servePort
  }

  /// The steering port when none is given.
  public static let defaultServePort = 7070

  /// Checks values that the types allow but the runtime does not (a negative
  /// high-water mark, a back-off that never sleeps, a port out of range).
  /// `source` names where the values came from in the error.
  public func validate(source: String = "code") throws(ConfigurationError) {
    if highWaterMark < 0 {
      throw .invalidValue(
        setting: "hwm", value: String(highWaterMark), source: source,
        expected: "0 (no limit) or a positive number of tasks per engine")
    }
    try backoff.validate(source: source)
    if !(0...65535).contains(servePort) {
      throw .invalidValue(
        setting: "serve-port", value: String(servePort), source: source,
        expected: "a TCP port, 1...65535 (0: any free one)")
    }
    if frameLimit < 1024 {
      throw .invalidValue(
        setting: "frame-limit", value: String(frameLimit), source: source, expected: "at least 1024 bytes")
    }
    if !(engineTimeout >= 0.1 && engineTimeout <= 3600) {
      throw .invalidValue(
        setting: "engine-timeout", value: String(engineTimeout), source: source,
        expected: "seconds, from 0.1 to 3600")
    }
    if !(stallTimeout > 0) {
      throw .invalidValue(
        setting: "stall-timeout", value: String(stallTimeout), source: source,
        expected: "a positive number of seconds")
    }
    try steeringLimits.validate(source: source)
  }
}

extension Configuration: CustomStringConvertible {
  /// `auto`, `4`, or `1 (auto across hosts)`.
  var highWaterMarkDescription: String {
    switch automaticHighWaterMark {
    case true?: return "auto"
    case false?: return "\(highWaterMark)"
    case nil: return "\(highWaterMark) (auto across hosts)"
    }
  }

  /// One line: `scheme leastload, hwm 1, backoff spin=..., log-level warning, ...`.
  public var description: String {
    var parts = [
      "scheme \(scheme.rawValue)", "hwm \(highWaterMarkDescription)", "backoff \(backoff)",
      "log-level \(logLevel)",
    ]
    parts.append("journal \(journal ?? "-")")
    parts.append("profile \(profile ?? "-")")
    parts.append(serve ? "serve on \(serveIP) port \(servePort)" : "serve off")
    return parts.joined(separator: ", ")
  }
}
