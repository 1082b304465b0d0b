/// How the hub and a set of engines build one communicator of themselves,
/// when some of the engines joined the job later (`Client.addEngines`) and so
/// are not in MPI's world.
///
/// The engines the job started with and the hub make the first communicator
/// from world. Each spawn group with members in the set then joins it: its
/// members make a communicator from their own world, the two sides make an
/// intercommunicator (the hub and the group's first member lead, over the
/// communicator the spawn gave them), and merge it, the group after the
/// others. A last split puts the engines in the order asked for. Every
/// member follows the same plan, so every collective call matches.
struct CommunicatorPlan: Equatable, Sendable {
  /// A spawn group's members in the set, sorted, and the group's first id.
  struct Step: Equatable, Sendable {
    let firstID: Int
    let members: [Int]
    /// The rank of the group's leader (its first member) in the communicator
    /// of the hub and the whole group (rank 0 is the hub).
    var leaderRank: Int { members[0] - firstID + 1 }
  }

  /// The engines after the hub, in rank order (engine `engines[i]` is rank i + 1).
  let engines: [Int]
  /// The engines from world, in `engines`' order.
  let originals: [Int]
  /// The spawn groups with members here, oldest first.
  let steps: [Step]

  /// `groups`: the first id of every spawn group, ascending; ids below the
  /// first (every id when there is none) are engines from world.
  init(engines: [Int], groups: [Int]) {
    self.engines = engines
    let firstAdded = groups.first ?? Int.max
    originals = engines.filter { $0 < firstAdded }
    var steps: [Step] = []
    for (index, firstID) in groups.enumerated() {
      let end = index + 1 < groups.count ? groups[index + 1] : Int.max
      let members = engines.filter { $0 >= firstID && $0 < end }.sorted()
      if !members.isEmpty { steps.append(Step(firstID: firstID, members: members)) }
    }
    self.steps = steps
  }

  /// Whether the steps leave the engines in another order than `engines`.
  var needsReorder: Bool { originals + steps.flatMap(\.members) != engines }

  /// The index of the step at which engine `id` joins; nil for an engine from world.
  func joiningStep(of id: Int) -> Int? {
    steps.firstIndex { $0.members.contains(id) }
  }

  /// The key that puts engine `id` at its rank in the final split (the hub's is 0).
  func rank(of id: Int) -> Int {
    (engines.firstIndex(of: id) ?? engines.count) + 1
  }
}
