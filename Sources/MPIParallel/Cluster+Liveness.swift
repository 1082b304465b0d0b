import Foundation
import MPI
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The liveness channel's place in start-up and shut-down: rank 0 opens a
/// `LivenessWatch` and broadcasts where it listens; each engine connects a
/// `LivenessBeacon` to it. MPI cannot say that a rank died (a receive from a
/// dead rank neither completes nor fails), so this is how the hub learns
/// that an engine is gone, wherever it ran.
extension Cluster {
  /// Rank 0: opens the watch (nil, with a warning, when it cannot listen: the
  /// job then runs without noticing lost engines). Every rank: returns the
  /// endpoint rank 0 broadcast (nil when there is none).
  static func shareLivenessEndpoint(
    world: Communicator, settings: LivenessSettings, sink: LossSink
  ) throws -> (watch: LivenessWatch?, endpoint: LivenessEndpoint?) {
    var watch: LivenessWatch? = nil
    var bytes: [UInt8] = []
    if world.rank == 0 {
      do {
        let opened = try LivenessWatch(engineIDs: Array(0..<(world.size - 1)), settings: settings) { id, loss in
          sink.lost(id, loss)
        }
        bytes = opened.endpoint.encoded()
        // Listening from now: an engine's hello is answered as it arrives.
        opened.start()
        watch = opened
      } catch {
        StandardStreams.writeError(
          "MPIParallel: liveness: \(error); the hub will not notice an engine that dies\n")
      }
    }
    var count = Int64(bytes.count)
    try withUnsafeMutableBytes(of: &count) { try world.broadcast($0, root: 0) }
    if world.rank != 0 { bytes = [UInt8](repeating: 0, count: Int(count)) }
    if count > 0 { try bytes.withUnsafeMutableBytes { try world.broadcast($0, root: 0) } }
    return (watch, count > 0 ? try LivenessEndpoint(decoding: bytes) : nil)
  }

  /// Engine: connects its beacon (a warning when it cannot: the hub then
  /// cannot tell if this engine dies). When the hub goes away, the engine
  /// exits: nothing would ever send it work again.
  static func startBeacon(_ endpoint: LivenessEndpoint?, engineID: Int, settings: LivenessSettings) {
    guard let endpoint else { return }
    do {
      _ = try LivenessBeacon.start(endpoint: endpoint, engineID: engineID, settings: settings) { reason in
        StandardStreams.writeError("MPIParallel: engine \(engineID) lost the hub (\(reason)); exiting\n")
        _exit(4)
      }
      LivenessBeacon.installExitNote { CrashReporter.runningTaskID }
    } catch {
      StandardStreams.writeError(
        "MPIParallel: engine \(engineID): liveness: \(error); the hub will not notice if this engine dies\n")
    }
  }
}

/// Where the liveness watch reports lost engines: to the hub once it exists
/// (losses before then wait for it). Without `mpirun --enable-recovery`
/// Open MPI ends the job within moments of a death, so the loss is only
/// explained, at once, from the watch's thread, before the job goes.
final class LossSink: Sendable {
  private struct State {
    var hub: Hub?
    var pending: [(Int, EngineLoss)] = []
  }

  private let state = Mutex(State())
  private let survivesLoss: Bool

  init(survivesLoss: Bool) { self.survivesLoss = survivesLoss }

  /// The hub to report to from now on; reports what arrived before it.
  func attach(_ hub: Hub) {
    let pending = state.withLock { state in
      state.hub = hub
      defer { state.pending.removeAll() }
      return state.pending
    }
    for (id, loss) in pending { post(id, loss, to: hub) }
  }

  /// Engines reported lost before the hub took over (the hub's start-up
  /// stops waiting for their hellos).
  var lostBeforeStart: Set<Int> { state.withLock { Set($0.pending.map(\.0)) } }

  func lost(_ id: Int, _ loss: EngineLoss) {
    let hub: Hub? = state.withLock { state in
      if state.hub == nil { state.pending.append((id, loss)) }
      return state.hub
    }
    guard let hub else { return }
    // Without recovery the job is ending: the hub only says why (its tasks
    // run on nowhere else, where they might take another engine down).
    guard survivesLoss else { return explain(id, loss, hub) }
    post(id, loss, to: hub)
  }

  private func post(_ id: Int, _ loss: EngineLoss, to hub: Hub) {
    let crashedTask: Int?
    switch loss {
    case .crashed(_, let taskID), .exited(let taskID): crashedTask = taskID
    case .closed, .silent, .neverConnected: crashedTask = nil
    }
    if case .neverConnected = loss {
      // Alive for all the hub knows (it said hello over MPI), only unwatched.
      StandardStreams.writeError(
        "MPIParallel: engine \(id) never connected to the hub's liveness port; the hub will not notice if it dies\n"
      )
      return
    }
    try? hub.post(.engineLost(id: id, reason: "\(loss)", crashedTask: crashedTask))
  }

  private func explain(_ id: Int, _ loss: EngineLoss, _ hub: Hub) {
    let info = "\(hub.info(of: id))"
    let running = hub.table.running(onEngine: id).first
    let task = running.map { " while it had task \($0) ('\(hub.table.function(of: $0))')" } ?? ""
    StandardStreams.writeError(
      "MPIParallel: \(info) died: \(loss)\(task); without mpirun --enable-recovery, Open MPI ends the job\n")
  }
}

extension Cluster {
  /// An engine the hub started while the job ran (`Client.addEngines`):
  /// joins the hub through the spawn's intercommunicator, learns its id and
  /// the liveness endpoint, serves until told to stop, and exits.
  ///
  /// It runs with the settings the hub sends (rank 0's, as every rank of the
  /// job does), not with those of its own environment (`own`).
  static func serveAsAddedEngine(
    parent: Communicator, registry: FunctionRegistry, own: Result<Configuration, ConfigurationError>,
    skippingOpenMPILocks: (_ keepsLocks: Bool) -> Bool
  ) -> Never {
    do {
      let merged = try parent.merged(high: true)
      var length = Int64(0)
      try withUnsafeMutableBytes(of: &length) { try merged.broadcast($0, root: 0) }
      var bytes = [UInt8](repeating: 0, count: Int(length))
      try bytes.withUnsafeMutableBytes { try merged.broadcast($0, root: 0) }
      var reader = WireReader(bytes)
      let firstID = Int(try reader.read(UInt64.self))
      let endpointBytes = try reader.readBlob()
      let settings = try SharedSettings(decoding: try reader.readBlob())
      let configuration = settings.configuration
      use(
        configuration, rank: firstID + merged.rank,
        skippingOpenMPILocks: skippingOpenMPILocks(settings.keepsOpenMPILocks))
      if case .failure(let error) = own {
        RuntimeLog.engine.debug("an added engine's own settings were refused (\(error)); it runs with the hub's")
      }
      let channel = try merged.duplicate()
      let id = firstID + merged.rank - 1
      if !endpointBytes.isEmpty {
        startBeacon(
          try LivenessEndpoint(decoding: endpointBytes), engineID: id, settings: configuration.livenessSettings)
      }
      let engine = Engine(
        world: merged, channel: channel, engines: Communicator.world, registry: registry, host: MPI.processorName,
        capabilities: configuration.capabilities(ofEngine: id), id: id, count: firstID + merged.size - 1,
        ownGroup: Communicator.world)
      RuntimeLog.engine.debug("engine \(id) added on \(MPI.processorName)")
      if let journal = configuration.journal { CrashReporter.recordCrashes(in: journal + ".crashes") }
      try engine.serve()
      LivenessBeacon.current?.goodbye()
      // An added engine leaves without MPI_Finalize (see `Hub.addEngines`):
      // every message it awaited has arrived.
      fflush(nil)
      _exit(0)
    } catch {
      StandardStreams.writeError("MPIParallel: an added engine failed: \(error)\n")
      fflush(nil)
      _exit(3)
    }
  }
}
