import XCTest

@testable import MPIParallel

final class ResultStateTests: XCTestCase {
  func slots(_ count: Int) -> [ResultState.Slot] {
    (0..<count).map { ResultState.Slot(taskID: $0 + 1, items: $0..<$0 + 1) }
  }

  func testWaitTimesOutThenCompletes() {
    let state = ResultState(label: "t", slots: slots(2))
    XCTAssertFalse(state.wait(until: MonotonicClock.now() + 0.02) { pending, _, _ in pending == 0 })
    state.complete(slot: 1, engineID: 3, outcome: .failed(ParallelError.aborted(taskID: 2)))
    state.complete(slot: 0, engineID: 2, outcome: .failed(ParallelError.aborted(taskID: 1)))
    XCTAssertTrue(state.isReady)
    XCTAssertEqual(state.arrivalOrder(), [1, 0])
    XCTAssertEqual(state.slot(1).engineID, 3)
  }

  func testSecondCompletionIsIgnored() {
    let state = ResultState(label: "t", slots: slots(2))
    state.complete(slot: 0, engineID: 1, outcome: .failed(ParallelError.aborted(taskID: 1)))
    state.complete(slot: 0, engineID: 1, outcome: .failed(ParallelError.aborted(taskID: 1)))
    XCTAssertFalse(state.isReady)
    XCTAssertEqual(state.arrivalOrder(), [0])
  }

  func testWaitersOnOtherThreadsWake() {
    let state = ResultState(label: "t", slots: slots(1))
    let woke = expectation(description: "woke")
    Thread.detachNewThread {
      if state.wait(until: nil, for: { pending, _, _ in pending == 0 }) { woke.fulfill() }
    }
    Thread.sleep(forTimeInterval: 0.02)
    state.complete(slot: 0, engineID: nil, outcome: .failed(ParallelError.clientClosed))
    wait(for: [woke], timeout: 5)
  }

  func testAsyncWaitersResume() async {
    let state = ResultState(label: "t", slots: slots(3))
    Thread.detachNewThread {
      for slot in 0..<3 {
        Thread.sleep(forTimeInterval: 0.01)
        state.complete(slot: slot, engineID: nil, outcome: .failed(ParallelError.clientClosed))
      }
    }
    await state.waitAsync { _, arrived, _ in arrived >= 2 }
    XCTAssertGreaterThanOrEqual(state.arrivalOrder().count, 2)
    await state.waitAsync { pending, _, _ in pending == 0 }
    XCTAssertTrue(state.isReady)
  }
}
