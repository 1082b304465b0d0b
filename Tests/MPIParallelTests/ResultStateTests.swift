import XCTest

@testable import MPIParallel

final class ResultStateTests: XCTestCase {
  func testWaitTimesOutThenCompletes() {
    let state = ResultState(label: "t", taskIDs: 1..<3)
    XCTAssertFalse(state.wait(until: MonotonicClock.now() + 0.02) { $0.pending == 0 })
    state.complete(slot: 1, engineID: 3, outcome: .failed(ParallelError.aborted(taskID: 2)))
    state.complete(slot: 0, engineID: 2, outcome: .failed(ParallelError.aborted(taskID: 1)))
    XCTAssertTrue(state.isReady)
    XCTAssertEqual(state.arrivalOrder(), [1, 0])
    XCTAssertEqual(state.slot(1).engineID, 3)
    XCTAssertEqual(state.slot(1).taskID, 2)
  }

  func testSecondCompletionIsIgnored() {
    let state = ResultState(label: "t", taskIDs: 1..<3)
    state.complete(slot: 0, engineID: 1, outcome: .failed(ParallelError.aborted(taskID: 1)))
    state.complete(slot: 0, engineID: 1, outcome: .failed(ParallelError.aborted(taskID: 1)))
    XCTAssertFalse(state.isReady)
    XCTAssertEqual(state.arrivalOrder(), [0])
  }

  func testSlotsCoverTheirItems() {
    let state = ResultState(label: "map", firstTaskID: 10, itemStarts: [0, 3, 6, 7])
    XCTAssertEqual(state.slotCount, 3)
    XCTAssertEqual(state.taskIDs, 10..<13)
    XCTAssertEqual(state.snapshot().map(\.items), [0..<3, 3..<6, 6..<7])
    XCTAssertEqual((0..<7).map(state.slotIndex(ofItem:)), [0, 0, 0, 1, 1, 1, 2])
    XCTAssertNil(state.slot(2).outcome)
    XCTAssertNil(state.slot(2).engineID)
  }

  func testOneItemSlotsNeedNoItemTable() {
    let state = ResultState(label: "map", taskIDs: 20..<24)
    XCTAssertEqual(state.slotCount, 4)
    XCTAssertEqual(state.snapshot().map(\.items), [0..<1, 1..<2, 2..<3, 3..<4])
    XCTAssertEqual((0..<4).map(state.slotIndex(ofItem:)), [0, 1, 2, 3])
    state.complete(slot: 2, engineID: 5, outcome: .reply([7]))
    state.complete(slot: 0, engineID: nil, outcome: .failed(ParallelError.clientClosed))
    XCTAssertEqual(state.arrivalOrder(), [2, 0])
    XCTAssertEqual(state.slot(2).engineID, 5)
    XCTAssertNil(state.slot(0).engineID)
    guard case .reply(let bytes)? = state.slot(2).outcome else { return XCTFail("slot 2 holds its reply") }
    XCTAssertEqual(bytes, [7])
  }

  func testASingleSlotArrivesWithoutAnOrderArray() {
    let state = ResultState(label: "apply", taskIDs: 9..<10)
    XCTAssertEqual(state.arrivalOrder(), [])
    XCTAssertFalse(state.wait(until: MonotonicClock.now() + 0.01) { $0.arrived >= 1 })
    state.complete(slot: 0, engineID: 1, outcome: .reply([1, 2]))
    XCTAssertTrue(state.wait(until: MonotonicClock.now() + 0.01) { $0.arrived >= 1 && $0.isComplete(0) })
    XCTAssertEqual(state.arrivalOrder(), [0])
    XCTAssertEqual(state.arrival(at: 0), 0)
    XCTAssertEqual(state.slot(0).engineID, 1)
  }

  /// Past slot 0, a decoded slot keeps only its engine; an outcome of any
  /// other kind arriving later is kept beside the decoded ones, which stay
  /// decoded, and no slot can be filled twice.
  func testDecodedSlotsKeepTheirEnginesBesideKeptOutcomes() {
    let state = ResultState(label: "map", taskIDs: 1..<6)
    state.complete(slot: 3, engineID: 2, outcome: .decoded)
    state.complete(slot: 1, engineID: nil, outcome: .decoded)
    XCTAssertTrue(state.wait(until: MonotonicClock.now() + 0.01) { $0.isComplete(3) && $0.isComplete(1) })
    XCTAssertFalse(state.wait(until: MonotonicClock.now() + 0.01) { $0.isComplete(2) })
    XCTAssertNil(state.slot(2).outcome)
    state.complete(slot: 2, engineID: 4, outcome: .reply([9]))
    state.complete(slot: 4, engineID: 0, outcome: .failed(ParallelError.aborted(taskID: 5)))
    state.complete(slot: 3, engineID: 1, outcome: .reply([8]))
    let slots = state.snapshot()
    guard case .decoded? = slots[3].outcome, case .decoded? = slots[1].outcome else {
      return XCTFail("the decoded slots stay decoded: \(slots)")
    }
    XCTAssertEqual(slots.map(\.engineID), [nil, nil, 4, 2, 0], "slot 3's second fill is ignored")
    guard case .reply(let bytes)? = slots[2].outcome else { return XCTFail("slot 2 holds its reply") }
    XCTAssertEqual(bytes, [9])
    XCTAssertEqual(state.firstFailure().map { "\($0)" }, "\(ParallelError.aborted(taskID: 5))")
    XCTAssertEqual(state.arrivalOrder(), [3, 1, 2, 4])
    XCTAssertFalse(state.isReady)
    state.complete(slot: 0, engineID: 3, outcome: .decoded)
    XCTAssertTrue(state.isReady)
    XCTAssertEqual(state.slot(0).engineID, 3)
  }

  func testFirstFailureLooksAtEverySlot() {
    let three = ResultState(label: "map", taskIDs: 1..<4)
    three.complete(slot: 0, engineID: 0, outcome: .reply([1]))
    XCTAssertNil(three.firstFailure())
    three.complete(slot: 2, engineID: 1, outcome: .failed(ParallelError.aborted(taskID: 3)))
    XCTAssertEqual(three.firstFailure().map { "\($0)" }, "\(ParallelError.aborted(taskID: 3))")
    let one = ResultState(label: "apply", taskIDs: 7..<8)
    one.complete(slot: 0, engineID: nil, outcome: .failed(ParallelError.clientClosed))
    XCTAssertEqual(one.firstFailure().map { "\($0)" }, "\(ParallelError.clientClosed)")
  }

  func testSlotsAreVisitedInOrderAndAFailureStopsTheVisit() throws {
    let state = ResultState(label: "map", firstTaskID: 5, itemStarts: [0, 2, 5])
    state.complete(slot: 1, engineID: 3, outcome: .reply([9]))
    var seen: [(Int, Range<Int>, Int?)] = []
    try state.forEachSlot { seen.append(($0.taskID, $0.items, $0.engineID)) }
    XCTAssertEqual(seen.map(\.0), [5, 6])
    XCTAssertEqual(seen.map(\.1), [0..<2, 2..<5])
    XCTAssertEqual(seen.map(\.2), [nil, 3])
    var visited = 0
    XCTAssertThrowsError(
      try state.forEachSlot { _ in
        visited += 1
        throw ParallelError.clientClosed
      })
    XCTAssertEqual(visited, 1)
  }

  func testWaitersOnOtherThreadsWake() {
    let state = ResultState(label: "t", taskIDs: 1..<2)
    let woke = expectation(description: "woke")
    Thread.detachNewThread {
      if state.wait(until: nil, for: { $0.pending == 0 }) { woke.fulfill() }
    }
    Thread.sleep(forTimeInterval: 0.02)
    state.complete(slot: 0, engineID: nil, outcome: .failed(ParallelError.clientClosed))
    wait(for: [woke], timeout: 5)
  }

  func testAsyncWaitersResume() async {
    let state = ResultState(label: "t", taskIDs: 1..<4)
    Thread.detachNewThread {
      for slot in 0..<3 {
        Thread.sleep(forTimeInterval: 0.01)
        state.complete(slot: slot, engineID: nil, outcome: .failed(ParallelError.clientClosed))
      }
    }
    await state.waitAsync { $0.arrived >= 2 }
    XCTAssertGreaterThanOrEqual(state.arrivalOrder().count, 2)
    await state.waitAsync { $0.isComplete(2) }
    XCTAssertTrue(state.isReady)
  }
}
