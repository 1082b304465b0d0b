import Foundation
import XCTest

@testable import MPIParallel

/// How a lost engine is described: what the driver, the steering tool and the
/// hub's stderr lines show.
final class EngineStateTests: XCTestCase {
  func testALossReportNamesTheRunningTaskOnce() {
    let killed = EngineLossReport(
      at: Date(timeIntervalSince1970: 0), reason: "\(EngineLoss.closed)", taskIDs: [57, 58, 59],
      function: "square")
    XCTAssertEqual(
      killed.description,
      "its process died (connection closed); it was running task 57 ('square') and held 2 more")
    let exited = EngineLossReport(
      at: Date(), reason: "\(EngineLoss.exited(taskID: 8))", taskIDs: [8], function: "exitOn")
    XCTAssertEqual(exited.description, "it called exit while running task 8 ('exitOn')")
    let idle = EngineLossReport(
      at: Date(), reason: "\(EngineLoss.silent(seconds: 5.04))", taskIDs: [], function: nil)
    XCTAssertEqual(idle.description, "no heartbeat for 5.0 s")
  }

  func testOnlyAnEngineThatIsUpTakesWork() {
    XCTAssertTrue(EngineState.up.isUp)
    XCTAssertFalse(EngineState.retiring.isUp)
    XCTAssertFalse(EngineState.retired(at: Date()).isUp)
    let report = EngineLossReport(at: Date(), reason: "x", taskIDs: [], function: nil)
    XCTAssertFalse(EngineState.lost(report).isUp)
    XCTAssertEqual(EngineState.lost(report).description, "lost: x")
  }

  func testTheRosterListsOnlyEnginesUpAsIDs() {
    let roster = EngineRoster((0..<4).map { EngineInfo(id: $0, rank: $0 + 1, host: "h", pid: 100 + $0) })
    XCTAssertEqual(roster.upIDs, [0, 1, 2, 3])
    roster.set(2, .lost(EngineLossReport(at: Date(), reason: "x", taskIDs: [], function: nil)))
    roster.set(0, .retiring)
    XCTAssertEqual(roster.upIDs, [1, 3])
    XCTAssertEqual(roster.infos.count, 4)
    XCTAssertNil(roster.state(7))
    roster.set(7, .up)  // no such engine: ignored
    XCTAssertEqual(roster.states.count, 4)
  }
}
