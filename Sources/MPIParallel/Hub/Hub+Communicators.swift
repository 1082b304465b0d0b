import MPI

/// The communicators of the hub and a set of engines that collectives run on
/// (push, scatter, gather), and the engines-only one that collective
/// functions use (`EngineContext.communicator`). Engines added while the job
/// runs are not in MPI's world; `CommunicatorPlan` joins their spawn groups in.
extension Hub {
  /// The first id of every spawn group, oldest first.
  var spawnGroupFirstIDs: [Int] { loop.pointee.spawned.map(\.firstID) }

  /// The communicator of the hub and these engines: cached, or created now
  /// when every one of them is idle (creation blocks all its members briefly).
  func communicator(for engineIDs: [Int]) throws -> (Int, Communicator)? {
    if let entry = communicators[engineIDs] { return (entry.id, entry.communicator) }
    guard let (id, communicator) = try build(engineIDs, enginesOnly: false) else { return nil }
    communicators[engineIDs] = (id, communicator)
    return (id, communicator)
  }

  /// Gives every engine in `engineIDs` (all the job's engines, when a
  /// collective function is about to run on them) an `EngineContext.communicator`
  /// of exactly them; false while one of them is busy.
  func rebuildEngineCommunicator(for engineIDs: [Int]) throws -> Bool {
    guard let (id, communicator) = try build(engineIDs, enginesOnly: true) else { return false }
    // The hub takes no part in the engines' communicator, but in the split that makes it.
    _ = try communicator.split(color: nil, key: 0)
    communicators[engineIDs] = (id, communicator)
    loop.pointee.engineCommunicatorSet = engineIDs
    if logsDecisions { RuntimeLog.hub.debug("engine communicator rebuilt for engines \(engineIDs)") }
    return true
  }

  /// Tells the engines to build a communicator with the hub, and builds the
  /// hub's side; nil while one of them is busy.
  private func build(_ engineIDs: [Int], enginesOnly: Bool) throws -> (Int, Communicator)? {
    guard engineIDs.allSatisfy({ engines[$0].outstanding == 0 }) else { return nil }
    let id = nextCommunicatorID
    nextCommunicatorID += 1
    let groups = spawnGroupFirstIDs
    let announcement = HubRequest.createCommunicator(
      id: id, engines: engineIDs, groups: groups, enginesOnly: enginesOnly
    ).encode()
    for engine in engineIDs { try transmit(announcement, to: engine) }
    if logsDecisions { RuntimeLog.hub.debug("communicator \(id) for engines \(engineIDs)") }
    let plan = CommunicatorPlan(engines: engineIDs, groups: groups)
    let communicator = try plan.build(as: .hub, tag: id, world: world, ownGroup: nil) { step in
      guard let group = loop.pointee.spawned.first(where: { $0.firstID == step.firstID }) else {
        throw ParallelError.invalidArgument("no spawn group starts at engine \(step.firstID)")
      }
      return group.merged
    }
    return (id, communicator)
  }
}
