import XCTest

@testable import MPIParallel

/// What the hub records of work waiting on an engine, and what counts
/// against an engine's high-water mark, without MPI.
final class EngineQueueTests: XCTestCase {
  let state = ResultState(label: "engine queue", taskIDs: 0..<1)

  func job(_ id: Int, loadBalanced: Bool) -> Job {
    Job(taskID: id, message: [], result: state, slot: 0, targets: nil, engine: 0, loadBalanced: loadBalanced)
  }

  func testATaskSentBehindOthersIsQueuedOnItsEngineUntilTheyAreAnswered() {
    let table = TaskTable()
    let ids = Array(table.allocate(function: "f", count: 3))
    table.markSent(ids[0], engine: 2, starts: true)
    table.markSent(ids[1], engine: 2, starts: false)
    table.markSent(ids[2], engine: 2, starts: false)
    XCTAssertEqual(table.record(ids[0])?.state, .running)
    XCTAssertEqual(table.record(ids[1])?.state, .queued)
    XCTAssertEqual(table.record(ids[1])?.engineID, 2, "queued on the engine it was sent to")
    XCTAssertEqual(table.running(onEngine: 2), [ids[0]])
    // The first answered: the engine takes the second next.
    table.markFinished(ids[0], state: .succeeded, started: 1, completed: 2, startedNext: ids[1])
    XCTAssertEqual(table.state(of: ids[0]), .succeeded)
    XCTAssertEqual(table.state(of: ids[1]), .running)
    XCTAssertEqual(table.state(of: ids[2]), .queued)
    // The third, aborted on the engine, never started.
    table.markFinished(ids[2], state: .aborted, started: 0, completed: 3)
    XCTAssertEqual(table.record(ids[2])?.state, .aborted)
    XCTAssertNil(table.record(ids[2])?.started)
    XCTAssertNil(table.state(of: 99))
  }

  func testATaskQueuedAgainInTheHubIsOnNoEngine() {
    let table = TaskTable()
    let id = table.allocate(function: "f", count: 1).lowerBound
    table.markSent(id, engine: 1, starts: true)
    table.markQueued(id)
    XCTAssertEqual(table.record(id)?.state, .queued)
    XCTAssertNil(table.record(id)?.engineID)
  }

  func testDirectWorkCountsAgainstTheHighWaterMark() {
    var slot = EngineSlot(id: 0)
    XCTAssertTrue(slot.hasRoom(highWaterMark: 1))
    slot.hold(job(1, loadBalanced: false))
    XCTAssertEqual(slot.loadBalanced, 0)
    XCTAssertFalse(slot.hasRoom(highWaterMark: 1), "a direct call fills an engine at hwm 1")
    XCTAssertTrue(slot.hasRoom(highWaterMark: 2))
    XCTAssertTrue(slot.hasRoom(highWaterMark: 0), "0: no limit")
    slot.hold(job(2, loadBalanced: true))
    XCTAssertFalse(slot.hasRoom(highWaterMark: 2))
    XCTAssertNotNil(slot.takeAnswered(taskID: 1))
    XCTAssertTrue(slot.hasRoom(highWaterMark: 2))
    slot.reserved = true
    XCTAssertFalse(slot.hasRoom(highWaterMark: 0), "an engine held back takes nothing")
  }
}
