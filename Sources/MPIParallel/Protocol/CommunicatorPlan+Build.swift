import MPI

extension CommunicatorPlan {
  /// Who follows the plan: the hub (which leads every step) or an engine.
  enum Member: Equatable {
    case hub
    case engine(Int)
  }

  /// Builds the communicator as `member` (every member of the set calls this
  /// with the same plan and `tag`). `world` is MPI's world for the hub and
  /// the engines from it, and for an added engine the communicator of the hub
  /// and its spawn group; `ownGroup` is an added engine's spawn group alone;
  /// `peer` gives the hub its communicator with a spawn group.
  func build(
    as member: Member, tag: Int, world: Communicator, ownGroup: Communicator?,
    peer: (Step) throws -> Communicator
  ) throws -> Communicator {
    var joinsAt: Int? = nil
    if case .engine(let id) = member { joinsAt = joiningStep(of: id) }
    var current: Communicator? = nil
    if joinsAt == nil {
      current = try world.createSubcommunicator(ranks: [0] + originals.map { $0 + 1 }, tag: tag)
    }
    for (index, step) in steps.enumerated() {
      let inter: Communicator
      if let local = current {
        // The hub leads the side already joined; the peer and the other
        // leader's rank count only at the leader.
        let leads = member == .hub
        inter = try local.intercommunicator(
          localLeader: 0, peer: leads ? try peer(step) : local, remoteLeader: leads ? step.leaderRank : 0, tag: tag)
      } else if index == joinsAt, let ownGroup {
        let group = try ownGroup.createSubcommunicator(ranks: step.members.map { $0 - step.firstID }, tag: tag)
        inter = try group.intercommunicator(localLeader: 0, peer: world, remoteLeader: 0, tag: tag)
        try? group.free()
      } else {
        continue
      }
      let merged = try inter.merged(high: current == nil)
      try? inter.free()
      try? current?.free()
      current = merged
    }
    guard let built = current else {
      throw MPIError(
        function: "CommunicatorPlan.build", code: -1, message: "\(member) is not one of the engines \(engines)")
    }
    guard needsReorder else { return built }
    let key: Int
    if case .engine(let id) = member { key = rank(of: id) } else { key = 0 }
    guard let ordered = try built.split(color: 0, key: key) else {
      throw MPIError(function: "CommunicatorPlan.build", code: -1, message: "the split left \(member) out")
    }
    try? built.free()
    return ordered
  }
}
