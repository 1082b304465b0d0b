/// Longest-first (LPT) ordering from cost hints, and a simulator to compare
/// orders: the one thing the IPython anchors lack.
///
/// An online balancer hands tasks out in submission order, so a long task
/// submitted last ends the run late. Knowing the costs, the hub hands out the
/// longest first and the short ones fill the gaps: Graham's LPT rule, within
/// 4/3 of the optimal makespan.
enum CostOrder {
  /// The indices of `costs`, longest first; equal costs keep their order.
  static func longestFirst(_ costs: [Double]) -> [Int] {
    costs.indices.sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
  }

  /// The makespan of list scheduling: the tasks taken in `order` (indices into
  /// `durations`), each to the machine that frees first (the lowest-numbered
  /// among equals), all machines free at time 0. 0 for no tasks.
  static func makespan(durations: [Double], order: [Int], machines: Int) -> Double {
    precondition(machines > 0, "makespan needs at least one machine")
    var free = [Double](repeating: 0, count: machines)
    for index in order {
      var machine = 0
      for candidate in 1..<machines where free[candidate] < free[machine] { machine = candidate }
      free[machine] += durations[index]
    }
    return free.max()!
  }

  /// The lower bound on any schedule's makespan: the total work spread evenly,
  /// or the longest task, whichever is greater.
  static func lowerBound(durations: [Double], machines: Int) -> Double {
    precondition(machines > 0, "lowerBound needs at least one machine")
    return max(durations.reduce(0, +) / Double(machines), durations.max() ?? 0)
  }

  /// Checks a map's costs array: one cost per item, each finite and 0 or more.
  ///
  /// - Throws: `ParallelError.invalidArgument` naming the first bad cost.
  static func validate(_ costs: [Double], count: Int) throws {
    if costs.count != count {
      throw ParallelError.invalidArgument("costs has \(costs.count) entries for \(count) items")
    }
    if let bad = costs.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
      throw ParallelError.invalidArgument("cost \(bad) must be finite and 0 or more, got \(costs[bad])")
    }
  }
}
