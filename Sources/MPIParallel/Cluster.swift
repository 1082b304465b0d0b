import Foundation
@_exported import MPI
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Starts the runtime on every rank of an MPI job. Rank 0 becomes the hub and
/// runs `driver` with a `Client`; the other ranks become engines and serve
/// until the driver returns. Then every rank stops and the process exits 0;
/// an error thrown by the driver is printed, the engines are stopped and the
/// process exits 1.
///
/// ```swift
/// let square = RemoteFunction("square") { (x: Int) in x * x }
///
/// @main struct App {
///   static func main() {
///     Cluster.run(square) { client in
///       print(try client.loadBalancedView().map(square, Array(0..<32)).get())
///     }
///   }
/// }
/// ```
///
/// Start it with `mpirun -np 5 ./App` (4 engines).
///
/// Settings come from `configuration` (code), then the `MPIPARALLEL_*`
/// environment variables, then the runtime's flags among the program's
/// arguments (`--hwm 2`, `--log-level debug`, ...); see `Configuration`.
public enum Cluster {
  /// The configuration in effect: the defaults before `run`, then what `run`
  /// resolved on rank 0 from code, environment and command line (every rank
  /// runs with rank 0's).
  public static var configuration: Configuration { resolved.withLock { $0 } }
  private static let resolved = Mutex(Configuration())

  /// The program's command-line arguments (its name first) without the
  /// runtime's own flags (`--hwm 2`, `--log-level debug`, ...): what the
  /// program should parse, before or inside `run`.
  public static var arguments: [String] { Configuration.programArguments(CommandLine.arguments) }

  /// Runs a blocking driver.
  public static func run(
    _ functions: any RemoteFunctionProtocol..., configuration: Configuration = Configuration(),
    driver: (Client) throws -> Void
  ) -> Never {
    run(functions: functions, configuration: configuration, driver: driver)
  }

  /// Runs a blocking driver with these remote functions.
  public static func run(
    functions: [any RemoteFunctionProtocol], configuration: Configuration = Configuration(),
    driver: (Client) throws -> Void
  ) -> Never {
    let (hub, client) = start(functions, configuration: configuration)
    var status: Int32 = 0
    do {
      try driver(client)
    } catch {
      report(error)
      status = 1
    }
    stop(hub, client: client, status: status)
  }

  /// Runs an async driver.
  public static func run(
    _ functions: any RemoteFunctionProtocol..., configuration: Configuration = Configuration(),
    driver: (Client) async throws -> Void
  ) async -> Never {
    await run(functions: functions, configuration: configuration, driver: driver)
  }

  /// Runs an async driver with these remote functions.
  public static func run(
    functions: [any RemoteFunctionProtocol], configuration: Configuration = Configuration(),
    driver: (Client) async throws -> Void
  ) async -> Never {
    let (hub, client) = start(functions, configuration: configuration)
    var status: Int32 = 0
    do {
      try await driver(client)
    } catch {
      report(error)
      status = 1
    }
    stop(hub, client: client, status: status)
  }

  /// Serve mode (`--serve`): instead of the driver, the hub answers steering
  /// clients until one of them says stop; then every rank stops.
  private static func serve(_ hub: Hub, _ client: Client) -> Never {
    var status: Int32 = 0
    do {
      let path = try client.serve()
      StandardStreams.writeError(
        "MPIParallel: serving \(client.engineCount) engines; connection file \(path)\n")
      client.waitUntilStopRequested()
      StandardStreams.writeError("MPIParallel: a steering client asked the job to stop\n")
    } catch {
      StandardStreams.writeError("MPIParallel: serving failed: steering: \(error)\n")
      status = 1
    }
    stop(hub, client: client, status: status)
  }

  /// The thread level the runtime needs: the hub thread makes rank 0's MPI
  /// calls, never two threads at once.
  static let requiredThreadLevel = ThreadLevel.serialized

  /// Initializes MPI; on engines serves and exits; on rank 0 serves steering
  /// clients and exits in serve mode, else returns the hub (its thread
  /// started) and the client.
  private static func start(_ functions: [any RemoteFunctionProtocol], configuration code: Configuration) -> (
    Hub, Client
  ) {
    let registry: FunctionRegistry
    do {
      registry = try FunctionRegistry(functions)
    } catch {
      fail("MPIParallel: \(error)", status: 2)
    }
    // A write to a connection the other side closed (a steering client, an
    // engine's liveness connection, Open MPI's sockets to engines that
    // joined or died as the job ends) must fail, not kill the rank.
    signal(SIGPIPE, SIG_IGN)
    let provided: ThreadLevel
    do {
      // The engines and the hub poll with their own back-off (spin, then
      // yield, then sleep); Open MPI's yield on every empty poll of an
      // oversubscribed node would only add a system call to each.
      MPI.leaveIdlingToCaller()
      provided = try MPI.initialize(requesting: requiredThreadLevel)
    } catch {
      fail("MPIParallel: MPI could not start: \(error)", status: 2)
    }
    let world = Communicator.world
    let environment = ProcessInfo.processInfo.environment
    let local = Result { () throws(ConfigurationError) in
      try code.resolved(environment: environment, arguments: Array(CommandLine.arguments.dropFirst()))
        .configuration
    }
    guard provided >= requiredThreadLevel else {
      if world.rank == 0 {
        StandardStreams.writeError(
          "MPIParallel: the MPI library provides thread level \(provided), but the runtime needs \(requiredThreadLevel) (its hub thread makes rank 0's MPI calls). Use an MPI built with thread support (OpenMPI does by default).\n"
        )
        noteStatus(2)
      }
      try? MPI.finalize()
      exit(2)
    }
    if let parent = Communicator.parent {
      // An added engine runs with the settings the hub sends it (see `serveAsAddedEngine`).
      serveAsAddedEngine(
        parent: parent, registry: registry, own: local,
        skippingOpenMPILocks: { keeps in provided < .multiple && !keeps })
    }
    let configuration: Configuration
    // Ranks on other hosts than mpirun's may see another environment: every
    // rank ends on an error any rank saw, and runs with rank 0's settings.
    let shared = agree(on: local, environment: environment, world: world)
    configuration = shared.configuration
    let skipLocks = provided < .multiple && !shared.keepsOpenMPILocks
    use(configuration, rank: world.rank, skippingOpenMPILocks: skipLocks)
    guard world.size >= 2 else {
      StandardStreams.writeError(
        "MPIParallel: this program runs as a single MPI rank, so it has no engines (rank 0 is the hub; ranks 1..N-1 are engines). Start it under MPI, for example: mpirun -np 5 \(CommandLine.arguments.first ?? "./App")\n"
      )
      noteStatus(2)
      try? MPI.finalize()
      exit(2)
    }
    do {
      let engines = try world.split(color: world.rank == 0 ? nil : 0, key: world.rank)
      let channel = try world.duplicate()
      let survivesLoss = ProcessInfo.processInfo.environment["OMPI_MCA_orte_enable_recovery"] == "1"
      let sink = LossSink(survivesLoss: survivesLoss)
      let liveness = configuration.livenessSettings
      let (watch, endpoint) = try shareLivenessEndpoint(world: world, settings: liveness, sink: sink)
      if let engines {
        startBeacon(endpoint, engineID: world.rank - 1, settings: liveness)
        let engine = Engine(
          world: world, channel: channel, engines: engines, registry: registry, host: MPI.processorName,
          capabilities: configuration.capabilities(ofEngine: world.rank - 1))
        RuntimeLog.engine.debug("engine \(world.rank - 1) up on \(MPI.processorName)")
        if let journal = configuration.journal { CrashReporter.recordCrashes(in: journal + ".crashes") }
        try engine.serve()
        LivenessBeacon.current?.goodbye()
        if engine.retired && survivesLoss {
          // The job goes on without this engine; MPI_Finalize would wait for its end.
          fflush(nil)
          _exit(0)
        }
        try? engines.free()
        try? channel.free()
        try finalize(
          status: 0, survivesLoss: survivesLoss, lostEngines: LivenessBeacon.lostPeerCount.load(ordering: .acquiring) > 0,
          quietly: true)
        exit(0)
      }
      let hub = try Hub(
        world: world, channel: channel, highWaterMark: configuration.highWaterMark,
        automaticHighWaterMark: configuration.automaticHighWaterMark, scheme: configuration.scheme,
        lostBeforeStart: { sink.lostBeforeStart })
      hub.watch = watch
      hub.replacesLostEngines = configuration.replaceLostEngines && survivesLoss
      sink.attach(hub)
      logStart(engines: world.size - 1)
      if let path = configuration.journal {
        do {
          try hub.use(Journal(path: path))
        } catch {
          StandardStreams.writeError("MPIParallel: journal: \(error)\n")
          MPI.abort(code: 2)
        }
        Termination.flushOnSignal(hub)
      }
      hub.start()
      let client = Client(hub: hub, registry: registry)
      if configuration.serve { serve(hub, client) }
      return (hub, client)
    } catch {
      StandardStreams.writeError("MPIParallel: rank \(world.rank) failed: \(error)\n")
      MPI.abort(code: 3)
    }
  }

  /// Puts `configuration` in effect on this rank: `Cluster.configuration`,
  /// the log level, the idle back-off, and Open MPI's locks off when `skippingOpenMPILocks`.
  static func use(_ configuration: Configuration, rank: Int, skippingOpenMPILocks: Bool) {
    resolved.withLock { $0 = configuration }
    RuntimeLog.configure(level: configuration.logLevel, rank: rank)
    Backoff.defaults = Backoff.Settings(
      spinFor: configuration.backoff.spinFor, yieldFor: configuration.backoff.yieldFor,
      minSleep: configuration.backoff.minSleep, maxSleep: configuration.backoff.maxSleep)
    // Every MPI call on a rank is made under one lock (rank 0's baton; an
    // engine's one thread), so Open MPI's own locks only cost time. No other
    // thread has made an MPI call yet.
    if skippingOpenMPILocks { MPI.skipOpenMPIInternalLocks() }
  }

  private static func stop(_ hub: Hub, client: Client, status driverStatus: Int32) -> Never {
    client.stopServing()
    hub.shutdown(abortQueued: driverStatus != 0)
    hub.watch?.stop()
    let lost = reportLosses(hub)
    let status = driverStatus == 0 && lost > 0 ? lostEnginesStatus : driverStatus
    noteStatus(status)
    try? hub.channel.free()
    if let journal = hub.journal {
      do {
        try journal.endRun(hub.journalRun, how: .clean)
        try journal.close()
      } catch {
        StandardStreams.writeError("MPIParallel: journal: \(error)\n")
      }
    }
    do {
      try finalize(
        status: status, survivesLoss: hub.survivesLoss,
        lostEngines: hub.roster.states.contains { !$0.isUp } || hub.hasAddedEngines,
        quietly: false)
    } catch {
      StandardStreams.writeError("MPIParallel: MPI_Finalize failed: \(error)\n")
      exit(3)
    }
    exit(status)
  }

  /// Says on standard error which engines the job lost, if any: under
  /// `mpirun --enable-recovery`, Open MPI's mpirun exits 0 whatever its ranks
  /// do, so this line is where a batch script learns of them.
  @discardableResult
  private static func reportLosses(_ hub: Hub) -> Int {
    let states = hub.roster.states
    var lost: [String] = []
    for (id, state) in states.enumerated() {
      guard case .lost(let report) = state else { continue }
      let when = ISO8601DateFormatter().string(from: report.at)
      lost.append("\(hub.info(of: id)) at \(when): \(report)")
    }
    guard !lost.isEmpty else { return 0 }
    StandardStreams.writeError(
      "MPIParallel: \(lost.count) of \(states.count) engines lost during the run: \(lost.joined(separator: "; "))\n")
    return lost.count
  }

  /// Rank 0's exit status when the driver returned but engines were lost
  /// on the way (their load-balanced tasks ran elsewhere).
  public static let lostEnginesStatus: Int32 = 4

  /// Writes rank 0's exit status to the file `MPIPARALLEL_STATUS_FILE` names,
  /// if any: under `mpirun --enable-recovery`, Open MPI's mpirun exits 0
  /// whatever its ranks return, so the entry scripts and batch templates
  /// read the status here instead.
  static func noteStatus(_ status: Int32) {
    guard let path = ProcessInfo.processInfo.environment["MPIPARALLEL_STATUS_FILE"], !path.isEmpty else { return }
    do {
      try Data("\(status)\n".utf8).write(to: URL(fileURLWithPath: path))
    } catch {
      StandardStreams.writeError("MPIParallel: could not write the exit status to \(path): \(error)\n")
    }
  }

  /// MPI_Finalize, except after engines were lost, retired or added while Open
  /// MPI keeps the job going: Open MPI 4.1's closing fence was seen to wait
  /// forever then (everything else done), so a rank that knows of one exits without
  /// it (every message it awaited has arrived; mpirun under
  /// `--enable-recovery` takes that as a normal end), and any other rank
  /// gets a watchdog that ends the process with `status` after
  /// `finalizeGrace` seconds.
  static func finalize(status: Int32, survivesLoss: Bool, lostEngines: Bool, quietly: Bool) throws {
    if survivesLoss && lostEngines {
      fflush(nil)
      _exit(status)
    }
    if survivesLoss {
      let watchdog = Thread {
        Thread.sleep(forTimeInterval: finalizeGrace)
        if !quietly {
          StandardStreams.writeError(
            "MPIParallel: MPI_Finalize did not return within \(Int(finalizeGrace)) s (engines were lost); exiting\n")
        }
        fflush(nil)
        _exit(status)
      }
      watchdog.start()
    }
    try MPI.finalize()
  }

  /// Seconds MPI_Finalize gets before its watchdog ends the process (see `finalize`).
  static let finalizeGrace = 10.0

  private static func logStart(engines: Int) {
    let log = RuntimeLog.hub
    log.debug(
      "hub: \(engines) engines up; scheme \(configuration.scheme.rawValue), hwm \(configuration.highWaterMarkDescription)"
    )
    log.debug("hub: configuration: \(configuration)")
  }

  private static func report(_ error: any Error) {
    StandardStreams.writeError("MPIParallel: the driver failed: \(error)\n")
  }

  private static func fail(_ message: String, status: Int32) -> Never {
    StandardStreams.writeError(message + "\n")
    noteStatus(status)
    exit(status)
  }
}
