import XCTest

@testable import MPIParallel

final class CostOrderTests: XCTestCase {
  private let seedDurations = (0..<32).map { 0.01 * Double($0) }

  func testLongestFirstIsStableForTies() {
    XCTAssertEqual(CostOrder.longestFirst([1, 3, 2, 3, 1]), [1, 3, 2, 0, 4])
    XCTAssertEqual(CostOrder.longestFirst([]), [])
    XCTAssertEqual(CostOrder.longestFirst([0, 0, 0]), [0, 1, 2])
  }

  func testMakespanOfSimpleCases() {
    XCTAssertEqual(CostOrder.makespan(durations: [], order: [], machines: 3), 0)
    XCTAssertEqual(CostOrder.makespan(durations: [1, 2, 3], order: [0, 1, 2], machines: 1), 6)
    XCTAssertEqual(CostOrder.makespan(durations: [1, 2, 3], order: [0, 1, 2], machines: 5), 3)
    // 3 and 3 fill both machines, then 2, 2, 2 spread: 3+2+2 = 7 vs 3+2 = 5.
    XCTAssertEqual(CostOrder.makespan(durations: [3, 3, 2, 2, 2], order: [0, 1, 2, 3, 4], machines: 2), 7)
    // The classic LPT-worst case for 2 machines: 3,3,2,2,2 has optimum 6 (3+3 | 2+2+2).
    XCTAssertEqual(CostOrder.makespan(durations: [3, 3, 2, 2, 2], order: [2, 3, 4, 0, 1], machines: 2), 7)
  }

  func testOrderCanBeASubset() {
    XCTAssertEqual(CostOrder.makespan(durations: [5, 1, 1], order: [1, 2], machines: 1), 2)
  }

  func testSeedExperimentInOrderIsThePerfectOnlineResult() {
    let inOrder = CostOrder.makespan(durations: seedDurations, order: Array(0..<32), machines: 4)
    XCTAssertEqual(inOrder, 1.36, accuracy: 1e-9)
  }

  func testSeedExperimentLongestFirstReachesTheLowerBound() {
    let lpt = CostOrder.makespan(
      durations: seedDurations, order: CostOrder.longestFirst(seedDurations), machines: 4)
    XCTAssertEqual(lpt, 1.24, accuracy: 1e-9)
    XCTAssertEqual(CostOrder.lowerBound(durations: seedDurations, machines: 4), 1.24, accuracy: 1e-9)
  }

  func testLowerBoundIsTheLongestTaskWhenItDominates() {
    XCTAssertEqual(CostOrder.lowerBound(durations: [10, 1, 1], machines: 3), 10)
    XCTAssertEqual(CostOrder.lowerBound(durations: [], machines: 2), 0)
  }

  /// The optimal makespan by trying every assignment (small instances only).
  private func optimum(_ durations: [Double], machines: Int) -> Double {
    var best = Double.infinity
    var loads = [Double](repeating: 0, count: machines)
    func place(_ index: Int) {
      if index == durations.count {
        best = min(best, loads.max()!)
        return
      }
      var seen = Set<Double>()
      for machine in 0..<machines where seen.insert(loads[machine]).inserted {
        loads[machine] += durations[index]
        if loads[machine] < best { place(index + 1) }
        loads[machine] -= durations[index]
      }
    }
    place(0)
    return best
  }

  func testLongestFirstWithinGrahamBoundOfOptimumOnRandomInstances() {
    var generator = SplitMix64(seed: 2024)
    for _ in 0..<200 {
      let machines = Int.random(in: 2...3, using: &generator)
      let count = Int.random(in: 1...8, using: &generator)
      let durations = (0..<count).map { _ in Double(Int.random(in: 1...20, using: &generator)) }
      let lpt = CostOrder.makespan(
        durations: durations, order: CostOrder.longestFirst(durations), machines: machines)
      let best = optimum(durations, machines: machines)
      let bound = 4.0 / 3.0 - 1.0 / (3.0 * Double(machines))
      XCTAssertGreaterThanOrEqual(lpt, best - 1e-9, "\(durations) on \(machines)")
      XCTAssertLessThanOrEqual(lpt, bound * best + 1e-9, "\(durations) on \(machines)")
      XCTAssertGreaterThanOrEqual(best, CostOrder.lowerBound(durations: durations, machines: machines) - 1e-9)
    }
  }

  func testEveryListScheduleWithinGrahamBoundOfLowerBound() {
    // Any order: makespan <= sum/m + (1 - 1/m) max; LPT also never below the lower bound.
    var generator = SplitMix64(seed: 77)
    for _ in 0..<200 {
      let machines = Int.random(in: 1...8, using: &generator)
      let count = Int.random(in: 1...200, using: &generator)
      let durations = (0..<count).map { _ in Double.random(in: 0..<1, using: &generator) }
      let lower = CostOrder.lowerBound(durations: durations, machines: machines)
      let graham =
        durations.reduce(0, +) / Double(machines) + (1 - 1 / Double(machines)) * durations.max()!
      let inOrder = CostOrder.makespan(
        durations: durations, order: Array(durations.indices), machines: machines)
      let lpt = CostOrder.makespan(
        durations: durations, order: CostOrder.longestFirst(durations), machines: machines)
      XCTAssertLessThanOrEqual(inOrder, graham + 1e-9)
      XCTAssertLessThanOrEqual(lpt, graham + 1e-9)
      XCTAssertGreaterThanOrEqual(lpt, lower - 1e-9)
    }
  }

  func testLongestFirstBeatsInOrderOnIncreasingDurations() {
    var generator = SplitMix64(seed: 5)
    for _ in 0..<50 {
      let machines = Int.random(in: 2...8, using: &generator)
      let durations = (0..<(machines * 8)).map { _ in Double.random(in: 0..<1, using: &generator) }.sorted()
      let inOrder = CostOrder.makespan(
        durations: durations, order: Array(durations.indices), machines: machines)
      let lpt = CostOrder.makespan(
        durations: durations, order: CostOrder.longestFirst(durations), machines: machines)
      XCTAssertLessThanOrEqual(lpt, inOrder + 1e-9)
    }
  }

  func testValidateCosts() throws {
    try CostOrder.validate([1, 0, 2.5], count: 3)
    XCTAssertThrowsError(try CostOrder.validate([1, 2], count: 3)) {
      XCTAssertEqual($0 as? ParallelError, .invalidArgument("costs has 2 entries for 3 items"))
    }
    XCTAssertThrowsError(try CostOrder.validate([1, -2, 3], count: 3)) {
      XCTAssertEqual($0 as? ParallelError, .invalidArgument("cost 1 must be finite and 0 or more, got -2.0"))
    }
    XCTAssertThrowsError(try CostOrder.validate([.nan], count: 1))
  }
}
