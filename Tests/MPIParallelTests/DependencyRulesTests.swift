import XCTest

@testable import MPIParallel

/// A finished or pending task's fact: "S" succeeded, "F" failed, "P" pending
/// (queued or running), on `engine` once finished.
private func fact(_ code: Character, engine: Int?) -> DependencyFact {
  switch code {
  case "S": return DependencyFact(known: true, finished: true, succeeded: true, engine: engine)
  case "F": return DependencyFact(known: true, finished: true, succeeded: false, engine: engine)
  default: return DependencyFact(known: true, finished: false, succeeded: false, engine: nil)
  }
}

/// Facts for tasks 1 and 2 from a two-letter scenario ("SP": 1 succeeded, 2 pending).
private func facts(_ scenario: String, engines: [Int] = [0, 2]) -> [Int: DependencyFact] {
  let codes = Array(scenario)
  return [1: fact(codes[0], engine: engines[0]), 2: fact(codes[1], engine: engines[1])]
}

private let scenarios = ["PP", "SP", "FP", "SS", "SF", "FF"]

/// "M" met, "P" pending, "I" impossible.
private func code(_ status: DependencyStatus) -> String {
  switch status {
  case .met: return "M"
  case .pending: return "P"
  case .impossible: return "I"
  }
}

final class DependencyStatusTests: XCTestCase {
  /// Every mode × success × failure against every outcome of two tasks; each
  /// row lists the expected status for `scenarios` in order.
  func testAfterMatrix() {
    let expected: [(Dependency.Mode, Bool, Bool, [String])] = [
      (.all, true, false, ["P", "P", "I", "M", "I", "I"]),
      (.all, false, true, ["P", "I", "P", "I", "I", "M"]),
      (.all, true, true, ["P", "P", "P", "M", "M", "M"]),
      (.all, false, false, ["I", "I", "I", "I", "I", "I"]),
      (.any, true, false, ["P", "M", "P", "M", "M", "I"]),
      (.any, false, true, ["P", "P", "M", "I", "M", "M"]),
      (.any, true, true, ["P", "M", "M", "M", "M", "M"]),
      (.any, false, false, ["I", "I", "I", "I", "I", "I"]),
    ]
    for (mode, success, failure, row) in expected {
      let dependency = Dependency([1, 2], mode: mode, success: success, failure: failure)
      for (scenario, want) in zip(scenarios, row) {
        let got = DependencyRules.status(of: dependency, facts: facts(scenario))
        XCTAssertEqual(code(got), want, "\(dependency) with \(scenario): \(got)")
      }
    }
  }

  func testEmptyDependencyIsMet() {
    XCTAssertEqual(DependencyRules.status(of: Dependency([]), facts: [:]), .met)
    XCTAssertTrue(Dependency([]).isEmpty)
    XCTAssertFalse(Dependency([3]).isEmpty)
  }

  func testSingleTaskDefaults() {
    let dependency = Dependency([4])
    XCTAssertEqual(dependency.mode, .all)
    XCTAssertTrue(dependency.success)
    XCTAssertFalse(dependency.failure)
    XCTAssertEqual(DependencyRules.status(of: dependency, facts: [4: fact("P", engine: nil)]), .pending)
    XCTAssertEqual(DependencyRules.status(of: dependency, facts: [4: fact("S", engine: 1)]), .met)
  }

  func testDuplicatesAreIgnored() {
    XCTAssertEqual(Dependency([3, 3, 5]).taskIDs, [3, 5])
  }

  // MARK: Impossible cases, each with its reason

  func testUnknownTaskIsImpossible() {
    let status = DependencyRules.status(of: Dependency([1, 9]), facts: [1: fact("S", engine: 0)])
    XCTAssertEqual(status, .impossible("the dependency names unknown task 9"))
  }

  func testTaskMarkedUnknownIsImpossible() {
    let unknown = DependencyFact(known: false, finished: false, succeeded: false, engine: nil)
    XCTAssertEqual(
      DependencyRules.status(of: Dependency([7, 8], mode: .any), facts: [7: unknown, 8: unknown]),
      .impossible("the dependency names unknown tasks 7, 8"))
  }

  func testUnknownOutranksMet() {
    // Even `any` with one task already met fails when it names an unknown id (IPython: InvalidDependency).
    let status = DependencyRules.status(of: Dependency([1, 9], mode: .any), facts: [1: fact("S", engine: 0)])
    XCTAssertEqual(status, .impossible("the dependency names unknown task 9"))
  }

  func testNeitherSuccessNorFailureIsImpossible() {
    let status = DependencyRules.status(
      of: Dependency([1], success: false, failure: false), facts: [1: fact("P", engine: nil)])
    XCTAssertEqual(status, .impossible("the dependency on task 1 accepts neither success nor failure"))
  }

  func testAllSuccessAfterAFailureIsImpossible() {
    XCTAssertEqual(
      DependencyRules.status(of: Dependency([1, 2]), facts: facts("FP")),
      .impossible("task 1 failed and the dependency on all of them accepts only success"))
  }

  func testAllFailureAfterASuccessIsImpossible() {
    XCTAssertEqual(
      DependencyRules.status(of: Dependency([1, 2], success: false, failure: true), facts: facts("SS")),
      .impossible("tasks 1, 2 succeeded and the dependency on all of them accepts only failure"))
  }

  func testAnySuccessWhenAllFailedIsImpossible() {
    XCTAssertEqual(
      DependencyRules.status(of: Dependency([1, 2], mode: .any), facts: facts("FF")),
      .impossible("all of tasks 1, 2 failed and the dependency on any of them accepts only success"))
  }

  func testAnyFailureWhenAllSucceededIsImpossible() {
    XCTAssertEqual(
      DependencyRules.status(
        of: Dependency([1, 2], mode: .any, success: false, failure: true), facts: facts("SS")),
      .impossible("all of tasks 1, 2 succeeded and the dependency on any of them accepts only failure"))
  }

  func testAbortedTaskCountsAsFailed() {
    let aborted = DependencyFact(known: true, finished: true, succeeded: false, engine: nil)
    XCTAssertEqual(code(DependencyRules.status(of: Dependency([1]), facts: [1: aborted])), "I")
    XCTAssertEqual(DependencyRules.status(of: Dependency([1], failure: true), facts: [1: aborted]), .met)
  }

  func testLongListsAreShortened() {
    let ids = Array(100..<120)
    let status = DependencyRules.status(of: Dependency(ids), facts: [:])
    XCTAssertEqual(
      status, .impossible("the dependency names unknown tasks 100, 101, 102, 103, 104, 105, 106, 107, ..."))
  }

  func testDescription() {
    XCTAssertEqual(Dependency([5, 3]).description, "all of tasks 3, 5 (success)")
    XCTAssertEqual(
      Dependency([9], mode: .any, success: true, failure: true).description,
      "any of task 9 (success or failure)")
  }
}

final class DependencyPlacementTests: XCTestCase {
  /// "M0,2" met on engines 0 and 2, "P" pending, "I" impossible.
  private func code(_ placement: (status: DependencyStatus, engines: Set<Int>?)) -> String {
    switch placement.status {
    case .met: return "M" + (placement.engines?.sorted().map(String.init).joined(separator: ",") ?? "*")
    case .pending:
      XCTAssertNil(placement.engines)
      return "P"
    case .impossible:
      XCTAssertEqual(placement.engines, [])
      return "I"
    }
  }

  /// Tasks 1 and 2 ran on engines 0 and 2.
  func testFollowMatrixAcrossTwoEngines() {
    let expected: [(Dependency.Mode, Bool, Bool, [String])] = [
      (.all, true, false, ["P", "P", "I", "I", "I", "I"]),
      (.all, false, true, ["P", "I", "P", "I", "I", "I"]),
      (.all, true, true, ["P", "P", "P", "I", "I", "I"]),
      (.all, false, false, ["I", "I", "I", "I", "I", "I"]),
      (.any, true, false, ["P", "M0", "P", "M0,2", "M0", "I"]),
      (.any, false, true, ["P", "P", "M0", "I", "M2", "M0,2"]),
      (.any, true, true, ["P", "M0", "M0", "M0,2", "M0,2", "M0,2"]),
      (.any, false, false, ["I", "I", "I", "I", "I", "I"]),
    ]
    check(expected, engines: [0, 2])
  }

  /// Tasks 1 and 2 both ran on engine 1.
  func testFollowMatrixOnOneEngine() {
    let expected: [(Dependency.Mode, Bool, Bool, [String])] = [
      (.all, true, false, ["P", "P", "I", "M1", "I", "I"]),
      (.all, false, true, ["P", "I", "P", "I", "I", "M1"]),
      (.all, true, true, ["P", "P", "P", "M1", "M1", "M1"]),
      (.all, false, false, ["I", "I", "I", "I", "I", "I"]),
      (.any, true, false, ["P", "M1", "P", "M1", "M1", "I"]),
      (.any, false, true, ["P", "P", "M1", "I", "M1", "M1"]),
      (.any, true, true, ["P", "M1", "M1", "M1", "M1", "M1"]),
      (.any, false, false, ["I", "I", "I", "I", "I", "I"]),
    ]
    check(expected, engines: [1, 1])
  }

  private func check(_ expected: [(Dependency.Mode, Bool, Bool, [String])], engines: [Int]) {
    for (mode, success, failure, row) in expected {
      let dependency = Dependency([1, 2], mode: mode, success: success, failure: failure)
      for (scenario, want) in zip(scenarios, row) {
        let got = DependencyRules.placement(of: dependency, facts: facts(scenario, engines: engines))
        XCTAssertEqual(code(got), want, "\(dependency) with \(scenario) on \(engines): \(got)")
      }
    }
  }

  func testEmptyFollowIsNoConstraint() {
    let placement = DependencyRules.placement(of: Dependency([]), facts: [:])
    XCTAssertEqual(placement.status, .met)
    XCTAssertNil(placement.engines)
  }

  func testFollowAllAcrossEnginesReason() {
    let placement = DependencyRules.placement(of: Dependency([1, 2]), facts: facts("SS", engines: [2, 0]))
    XCTAssertEqual(placement.status, .impossible("follow all across engines 0 and 2"))
    let three = DependencyRules.placement(
      of: Dependency([1, 2, 3]),
      facts: [1: fact("S", engine: 4), 2: fact("S", engine: 1), 3: fact("S", engine: 2)])
    XCTAssertEqual(three.status, .impossible("follow all across engines 1, 2 and 4"))
  }

  func testFollowAllAcrossEnginesIsImpossibleBeforeTheRestFinish() {
    let placement = DependencyRules.placement(
      of: Dependency([1, 2, 3]),
      facts: [1: fact("S", engine: 0), 2: fact("S", engine: 3), 3: fact("P", engine: nil)])
    XCTAssertEqual(placement.status, .impossible("follow all across engines 0 and 3"))
  }

  func testFollowUnknownTaskIsImpossible() {
    let placement = DependencyRules.placement(of: Dependency([6]), facts: [:])
    XCTAssertEqual(placement.status, .impossible("the dependency names unknown task 6"))
    XCTAssertEqual(placement.engines, [])
  }

  func testFollowFailedTaskUnderSuccessOnlyIsImpossible() {
    let placement = DependencyRules.placement(of: Dependency([1]), facts: [1: fact("F", engine: 3)])
    XCTAssertEqual(
      placement.status, .impossible("task 1 failed and the dependency on all of them accepts only success"))
  }

  func testFollowATaskThatNeverRanIsImpossible() {
    let aborted = DependencyFact(known: true, finished: true, succeeded: false, engine: nil)
    let all = DependencyRules.placement(
      of: Dependency([1, 2], failure: true), facts: [1: aborted, 2: fact("S", engine: 0)])
    XCTAssertEqual(all.status, .impossible("task 1 never ran on an engine, so there is nowhere to follow"))
    let any = DependencyRules.placement(
      of: Dependency([1], mode: .any, success: true, failure: true), facts: [1: aborted])
    XCTAssertEqual(
      any.status,
      .impossible("none of task 1 ran on an engine in an accepted way, so there is nowhere to follow"))
  }

  func testFollowAnyIgnoresTasksThatNeverRanWhileOthersDid() {
    let aborted = DependencyFact(known: true, finished: true, succeeded: false, engine: nil)
    let placement = DependencyRules.placement(
      of: Dependency([1, 2], mode: .any, success: true, failure: true),
      facts: [1: aborted, 2: fact("S", engine: 3)])
    XCTAssertEqual(placement.status, .met)
    XCTAssertEqual(placement.engines, [3])
  }

  func testFollowChainStaysOnOneEngine() {
    // 1 ran on engine 2; 2 followed it there; 3 follows both.
    let placement = DependencyRules.placement(of: Dependency([1, 2]), facts: facts("SS", engines: [2, 2]))
    XCTAssertEqual(placement.status, .met)
    XCTAssertEqual(placement.engines, [2])
  }
}

final class DependencyCycleTests: XCTestCase {
  private func message(_ dependencies: [Int: Set<Int>]) -> String? {
    do {
      try DependencyRules.checkCycles(dependencies)
      return nil
    } catch ParallelError.invalidArgument(let message) {
      return message
    } catch {
      return "unexpected \(error)"
    }
  }

  func testNoDependencies() {
    XCTAssertNil(message([:]))
    XCTAssertNil(message([1: [], 2: []]))
  }

  func testChainsAndDiamondsAreFine() {
    XCTAssertNil(message([2: [1], 3: [2], 4: [3]]))
    XCTAssertNil(message([2: [1], 3: [1], 4: [2, 3]]))
  }

  func testDependenciesOnExistingTasksAreFine() {
    // 1..<10 are already known to the hub, outside the batch.
    XCTAssertNil(message([10: [1, 2, 3], 11: [10, 4]]))
  }

  func testSelfDependency() {
    XCTAssertEqual(message([5: [5]]), "task 5 depends on itself")
    XCTAssertEqual(message([4: [1], 5: [3, 5]]), "task 5 depends on itself")
  }

  func testTwoCycle() {
    XCTAssertEqual(message([5: [7], 7: [5]]), "dependency cycle: 5 -> 7 -> 5")
  }

  func testLongerCycleReportedFromItsStart() {
    XCTAssertEqual(message([1: [2], 2: [3], 3: [4], 4: [2]]), "dependency cycle: 2 -> 3 -> 4 -> 2")
    XCTAssertEqual(
      message([10: [12], 12: [11], 11: [10], 13: [10]]), "dependency cycle: 10 -> 12 -> 11 -> 10")
  }

  func testElevenCycleIsShortened() {
    var ring: [Int: Set<Int>] = [:]
    for id in 0..<11 { ring[id] = [(id + 1) % 11] }
    XCTAssertEqual(
      message(ring), "dependency cycle: 0 -> 1 -> 2 -> 3 -> 4 -> ... -> 8 -> 9 -> 10 -> 0 (11 tasks)")
    ring = [:]
    for id in 0..<10 { ring[id] = [(id + 1) % 10] }
    XCTAssertEqual(message(ring), "dependency cycle: 0 -> 1 -> 2 -> 3 -> 4 -> 5 -> 6 -> 7 -> 8 -> 9 -> 0")
  }

  func testCycleBesideValidTasks() {
    XCTAssertEqual(message([1: [], 2: [1], 3: [4], 4: [3], 5: [2]]), "dependency cycle: 3 -> 4 -> 3")
  }

  func testLongChainDoesNotOverflow() {
    var chain: [Int: Set<Int>] = [:]
    for id in 1...50_000 { chain[id] = id > 1 ? [id - 1] : [] }
    XCTAssertNil(message(chain))
    chain[1] = [50_000]
    XCTAssertEqual(
      message(chain),
      "dependency cycle: 1 -> 50000 -> 49999 -> 49998 -> 49997 -> ... -> 4 -> 3 -> 2 -> 1 (50000 tasks)")
  }
}
