import XCTest

@testable import MPIParallel

/// The pure parts of behaviours matching ipyparallel: a DirectView's targets
/// keep the order given, and a pending result's resubmission is refused.
final class ParityTests: XCTestCase {
  func testTargetsKeepTheirOrderWithoutRepeats() {
    XCTAssertEqual(DirectView.distinct([3, 2, 1, 0]), [3, 2, 1, 0])
    XCTAssertEqual(DirectView.distinct([1, 3, 0]), [1, 3, 0])
    XCTAssertEqual(DirectView.distinct([2, 0, 2, 0, 1]), [2, 0, 1])
    XCTAssertEqual(DirectView.distinct([4]), [4])
    XCTAssertEqual(DirectView.distinct([]), [])
  }

  func testPendingTaskIDsAreTheUnfinishedSlots() {
    let state = ResultState(label: "map", taskIDs: 5..<9)
    XCTAssertEqual(state.pendingTaskIDs, [5, 6, 7, 8])
    state.complete(slot: 1, engineID: 0, outcome: .reply([1]))
    state.complete(slot: 0, engineID: 0, outcome: .failed(ParallelError.aborted(taskID: 5)))
    XCTAssertEqual(state.pendingTaskIDs, [7, 8])
    state.complete(slot: 3, engineID: 1, outcome: .reply([1]))
    state.complete(slot: 2, engineID: 1, outcome: .reply([1]))
    XCTAssertEqual(state.pendingTaskIDs, [])
  }

  func testResubmittingPendingTasksIsRefusedByName() {
    XCTAssertNil(ParallelError.resubmitPending([]))
    guard case .invalidArgument(let message)? = ParallelError.resubmitPending([7, 8]) else {
      return XCTFail("no refusal")
    }
    XCTAssertTrue(message.contains("pending task(s) 7, 8;"), message)
    guard case .invalidArgument(let long)? = ParallelError.resubmitPending(Array(0..<20)) else {
      return XCTFail("no refusal")
    }
    XCTAssertTrue(long.contains("0, 1, 2, 3, 4, 5, 6, 7, ...;"), long)
  }
}
