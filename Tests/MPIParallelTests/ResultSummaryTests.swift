import Foundation
import XCTest

@testable import MPIParallel

/// What results report, without MPI: getDict's refusals, wall and serial
/// times, elapsed, and progress counted in items.
final class ResultSummaryTests: XCTestCase {
  func metadata(_ id: Int, engine: Int?, submitted: Double, started: Double?, completed: Double?) -> TaskMetadata {
    TaskMetadata(
      taskID: id, engineID: engine, submitted: Date(timeIntervalSince1970: submitted),
      started: started.map(Date.init(timeIntervalSince1970:)),
      completed: completed.map(Date.init(timeIntervalSince1970:)))
  }

  func testGetDictMapsEnginesToValues() throws {
    let tasks = [(taskID: 1, engineID: Int?(2), items: 0..<1), (taskID: 2, engineID: Int?(0), items: 1..<2)]
    XCTAssertEqual(try ResultSummary.dictionary(label: "apply(f)", tasks: tasks, values: [20, 0]), [2: 20, 0: 0])
  }

  func testGetDictRefusesAnEngineThatRanSeveral() {
    let tasks = [(taskID: 1, engineID: Int?(1), items: 0..<1), (taskID: 2, engineID: Int?(1), items: 1..<2)]
    XCTAssertThrowsError(try ResultSummary.dictionary(label: "map(f)", tasks: tasks, values: [1, 2])) { error in
      XCTAssertTrue("\(error)".contains("engine 1 ran several tasks (1 and 2)"), "\(error)")
    }
  }

  func testGetDictRefusesChunksAndTasksThatRanNowhere() {
    let chunk = [(taskID: 4, engineID: Int?(0), items: 0..<3)]
    XCTAssertThrowsError(try ResultSummary.dictionary(label: "map(f)", tasks: chunk, values: [1, 2, 3])) {
      XCTAssertTrue("\($0)".contains("task 4 computed 3 items"), "\($0)")
    }
    let nowhere = [(taskID: 5, engineID: Int?.none, items: 0..<1)]
    XCTAssertThrowsError(try ResultSummary.dictionary(label: "apply(f)", tasks: nowhere, values: [1])) {
      XCTAssertTrue("\($0)".contains("task 5 ran on no engine"), "\($0)")
    }
  }

  func testWallSerialAndElapsed() {
    let tasks = [
      metadata(1, engine: 0, submitted: 100, started: 100.5, completed: 101.5),
      metadata(2, engine: 1, submitted: 100.2, started: 100.6, completed: 103),
      // Aborted before it started: no run time, counted by its submission.
      metadata(3, engine: nil, submitted: 100.3, started: nil, completed: nil),
    ]
    XCTAssertEqual(ResultSummary.wallTime(tasks)!, 3, accuracy: 1e-6)
    XCTAssertEqual(ResultSummary.serialTime(tasks), 1 + 2.4, accuracy: 1e-6)
    XCTAssertEqual(ResultSummary.elapsed(tasks, ready: true), 3, accuracy: 1e-6)
    XCTAssertEqual(
      ResultSummary.elapsed(tasks, ready: false, now: Date(timeIntervalSince1970: 110)), 10, accuracy: 1e-6)
    XCTAssertNil(ResultSummary.wallTime([]))
    XCTAssertEqual(ResultSummary.elapsed([], ready: false), 0)
  }

  func testProgressCountsItemsNotTasks() {
    // Three tasks of 4, 4 and 2 items.
    let state = ResultState(label: "map(f)", firstTaskID: 1, itemStarts: [0, 4, 8, 10])
    XCTAssertEqual(state.completedItems, 0)
    state.complete(slot: 2, engineID: 0, outcome: .reply([]))
    XCTAssertEqual(state.completedItems, 2)
    state.complete(slot: 0, engineID: 1, outcome: .failed(ParallelError.aborted(taskID: 1)))
    XCTAssertEqual(state.completedItems, 6)
    XCTAssertTrue(state.isFinished(slot: 0))
    XCTAssertFalse(state.isFinished(slot: 1))
    // One item per task: tasks and items agree.
    let single = ResultState(label: "map(f)", taskIDs: 1..<4)
    single.complete(slot: 1, engineID: 0, outcome: .reply([]))
    XCTAssertEqual(single.completedItems, 1)
  }

  func testDependencyFromTaskIDsOfResults() {
    struct Stub: SubmittedTasks { let taskIDs: [Int] }
    let dependency = Dependency(Stub(taskIDs: [3, 4]), Stub(taskIDs: [9]), mode: .any)
    XCTAssertEqual(dependency.taskIDs, [3, 4, 9])
    XCTAssertEqual(dependency.mode, .any)
  }
}
