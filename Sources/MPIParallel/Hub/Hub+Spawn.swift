import Foundation
import MPI

/// Engines that join a running job: rank 0 starts them with
/// `MPI_Comm_spawn`, running the same program with the same arguments, and
/// merges the intercommunicator into one communicator of itself and them.
/// They get the next ids, take load-balanced work at once, and answer
/// direct calls; collectives reach them through communicators built by
/// `CommunicatorPlan` (see `Hub.communicator(for:)`).
extension Hub {
  /// Engines a spawn added: the hub's channel to them and the receives posted for their replies.
  final class SpawnedGroup {
    /// The spawn's intercommunicator, and the two communicators made from it.
    let intercommunicator: Communicator
    let merged: Communicator
    let channel: Communicator
    let replySlots: ReceiveSlots
    /// The id of the group's first engine (rank 1 of `channel`).
    let firstID: Int

    init(
      intercommunicator: Communicator, merged: Communicator, channel: Communicator, replySlots: ReceiveSlots,
      firstID: Int
    ) {
      self.intercommunicator = intercommunicator
      self.merged = merged
      self.channel = channel
      self.replySlots = replySlots
      self.firstID = firstID
    }
  }

  /// Whether engines joined the job (rank 0 then leaves without MPI_Finalize: see `addEngines`).
  var hasAddedEngines: Bool { engines.count > engineInfos.count }

  /// What engine `id` is (the ones the job started with, then those added).
  func info(of id: Int) -> EngineInfo {
    if id >= 0 && id < engineInfos.count { return engineInfos[id] }
    return roster.info(id) ?? EngineInfo(id: id, rank: -1, host: "?", pid: 0)
  }

  /// The group an added engine belongs to, and its rank in the group's channel.
  func spawnedLink(of engine: Int) -> (group: SpawnedGroup, rank: Int)? {
    for group in loop.pointee.spawned.reversed() where engine >= group.firstID {
      return (group, engine - group.firstID + 1)
    }
    return nil
  }

  /// Starts `count` engines (blocking the loop while the launcher starts
  /// them and they say hello) and returns their ids.
  func addEngines(_ count: Int) throws -> [Int] {
    guard count >= 1 && count <= 4096 else {
      throw ParallelError.invalidArgument("addEngines: a count from 1 to 4096, not \(count)")
    }
    guard state == .running else { throw ParallelError.clientClosed }
    // Open MPI 4.1 was seen to hang, or to break a pipe, where a job and the
    // engines it spawned finalize together; under recovery both leave without
    // MPI_Finalize instead (see `Cluster.finalize`), which needs mpirun's
    // consent to processes that end that way.
    guard survivesLoss else {
      throw ParallelError.startup(
        "addEngines(\(count)): adding engines needs mpirun --enable-recovery (Scripts/demo, mpiparallel start and the batch templates pass it)"
      )
    }
    let firstID = engines.count
    let program = Self.programPath()
    // Open MPI's mpirun, once a spawn fails for want of slots, never exits:
    // a spawn that cannot fit is refused here instead.
    let oversubscribes = ProcessInfo.processInfo.environment["OMPI_MCA_rmaps_base_oversubscribe"].map {
      ["1", "true", "yes"].contains($0.lowercased())
    }
    // (A lost engine's process is gone, and its slot with it.)
    let held = 1 + engines.indices.filter { engines[$0].state != .lost }.count
    if oversubscribes != true, let slots = MPI.universeSize, held + count > slots {
      throw ParallelError.startup(
        "addEngines(\(count)): the launcher has \(slots) slots and the job holds \(held) processes; start mpirun with --oversubscribe, or with a hostfile (or --host NAME:SLOTS) that leaves room"
      )
    }
    let inter: Communicator
    do {
      inter = try Communicator.selfOnly.spawn(
        executable: program, arguments: Array(CommandLine.arguments.dropFirst()), count: count)
    } catch {
      throw ParallelError.startup(
        "addEngines(\(count)): the launcher did not start \(program): \(error) (under mpirun, more processes than slots need --oversubscribe or a hostfile with room)"
      )
    }
    let merged = try inter.merged(high: false)
    // Before they learn where it listens: their hellos must find the watch expecting them.
    for id in firstID..<(firstID + count) { watch?.expect(id) }
    // What the new engines need before they serve: their first id, and where the liveness watch listens.
    var header = WireWriter()
    header.write(UInt64(firstID))
    header.writeBlob(watch?.endpoint.encoded() ?? [])
    // Rank 0's settings, which every rank of the job runs with.
    header.writeBlob(
      try SharedSettings(
        configuration: Cluster.configuration,
        keepsOpenMPILocks: SharedSettings.keepsOpenMPILocks(in: ProcessInfo.processInfo.environment)
      ).encoded())
    var bytes = header.bytes
    var length = Int64(bytes.count)
    try withUnsafeMutableBytes(of: &length) { try merged.broadcast($0, root: 0) }
    try bytes.withUnsafeMutableBytes { try merged.broadcast($0, root: 0) }
    let channel = try merged.duplicate()
    let infos = try Self.collectHellos(on: channel, count: count, firstID: firstID)
    let slots = try ReceiveSlots(
      communicator: channel, sources: Array(1...count), capacity: Framing.hubSlotBytes)
    loop.pointee.spawned.append(
      SpawnedGroup(
        intercommunicator: inter, merged: merged, channel: channel, replySlots: slots, firstID: firstID))
    for info in infos { engines.append(EngineSlot(id: info.id)) }
    roster.append(infos)
    if logsDecisions { RuntimeLog.hub.debug("engines \(infos.map(\.id)) added on \(Set(infos.map(\.host)))") }
    return infos.map(\.id)
  }

  /// The hellos of `count` spawned engines on `channel` (ranks 1...count).
  private static func collectHellos(on channel: Communicator, count: Int, firstID: Int) throws -> [EngineInfo] {
    var infos: [EngineInfo?] = Array(repeating: nil, count: count)
    var remaining = count
    let deadline = MonotonicClock.now() + 60
    while remaining > 0 {
      guard let message = try channel.probeMessage(from: nil, tag: MessageTag.hello) else {
        if MonotonicClock.now() > deadline {
          throw ParallelError.startup("addEngines: \(remaining) of \(count) new engines did not say hello within 60 s")
        }
        MonotonicClock.sleep(1e-4)
        continue
      }
      let hello = try readHello(try message.receive(), firstID: firstID)
      guard hello.rank >= 1 && hello.rank <= count else { continue }
      if infos[hello.rank - 1] == nil { remaining -= 1 }
      infos[hello.rank - 1] = hello
    }
    return infos.map { $0! }
  }

  /// This program's path, for the launcher to start again.
  static func programPath() -> String {
    let path = CommandLine.arguments.first ?? ""
    if path.hasPrefix("/") { return path }
    if path.contains("/") { return FileManager.default.currentDirectoryPath + "/" + path }
    return Bundle.main.executablePath ?? path
  }

  /// Receives one message from an added engine, if any; true when one arrived.
  func receiveFromSpawned() throws -> Bool {
    for group in loop.pointee.spawned {
      guard let arrival = try group.replySlots.next() else { continue }
      let tag = try Framing.take(arrival, from: group.replySlots, on: group.channel, into: &loop.pointee.replyBuffer)
      let bytes = loop.pointee.replyBuffer
      if bytes.count > Framing.hubSlotBytes { loop.pointee.replyBuffer = [] }
      try completeMessage(bytes, tag: tag, from: group.firstID + arrival.source - 1)
      return true
    }
    return false
  }
}
