import XCTest

@testable import MPIParallel

/// How the hub and its engines agree to build a communicator when some
/// engines joined later (the MPI side runs in EngineAddTests).
final class CommunicatorPlanTests: XCTestCase {
  func testEnginesFromWorldAloneNeedNoStepAndKeepTheirOrder() {
    let plan = CommunicatorPlan(engines: [3, 0, 2], groups: [])
    XCTAssertEqual(plan.originals, [3, 0, 2])
    XCTAssertEqual(plan.steps, [])
    XCTAssertFalse(plan.needsReorder)
    XCTAssertNil(plan.joiningStep(of: 0))
  }

  func testEachSpawnGroupWithMembersIsOneStepInGroupOrder() {
    // Engines 0-3 from world, a group from 4 (4, 5) and one from 6 (6, 7, 8).
    let plan = CommunicatorPlan(engines: [0, 1, 2, 3, 4, 5, 6, 7, 8], groups: [4, 6])
    XCTAssertEqual(plan.originals, [0, 1, 2, 3])
    XCTAssertEqual(
      plan.steps,
      [.init(firstID: 4, members: [4, 5]), .init(firstID: 6, members: [6, 7, 8])])
    XCTAssertFalse(plan.needsReorder)
    XCTAssertEqual(plan.joiningStep(of: 5), 0)
    XCTAssertEqual(plan.joiningStep(of: 6), 1)
  }

  func testAGroupWithoutMembersIsSkippedAndTheLeaderIsTheFirstMember() {
    let plan = CommunicatorPlan(engines: [8, 1, 7], groups: [4, 6])
    XCTAssertEqual(plan.originals, [1])
    XCTAssertEqual(plan.steps, [.init(firstID: 6, members: [7, 8])])
    // Engine 7 is rank 2 of the communicator of the hub and group 6..8.
    XCTAssertEqual(plan.steps[0].leaderRank, 2)
  }

  func testAnOrderOtherThanTheStepsLeaveIsRestoredByRank() {
    let plan = CommunicatorPlan(engines: [5, 0, 4], groups: [4])
    XCTAssertTrue(plan.needsReorder)
    XCTAssertEqual(plan.rank(of: 5), 1)
    XCTAssertEqual(plan.rank(of: 0), 2)
    XCTAssertEqual(plan.rank(of: 4), 3)
  }

  func testNoEngineFromWorldStartsFromTheHubAlone() {
    let plan = CommunicatorPlan(engines: [2, 3], groups: [2])
    XCTAssertEqual(plan.originals, [])
    XCTAssertEqual(plan.steps, [.init(firstID: 2, members: [2, 3])])
    XCTAssertFalse(plan.needsReorder)
  }
}
