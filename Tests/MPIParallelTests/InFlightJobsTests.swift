import XCTest

@testable import MPIParallel

final class InFlightJobsTests: XCTestCase {
  let state = ResultState(label: "in flight", taskIDs: 0..<1)

  func job(_ id: Int) -> Job {
    Job(taskID: id, message: [], result: state, slot: 0, targets: nil, engine: 0, loadBalanced: true)
  }

  func testRepliesInOrderAcrossGrowthAndWrapping() {
    var jobs = InFlightJobs()
    var next = 0
    var oldest = 0
    // Uneven rounds make the ring wrap around and double several times.
    for round in 1...40 {
      for _ in 0..<(round % 7 + 1) {
        jobs.append(job(next))
        next += 1
      }
      for _ in 0..<(round % 5) where oldest < next {
        XCTAssertEqual(jobs.remove(taskID: oldest)?.taskID, oldest)
        oldest += 1
      }
      XCTAssertEqual(jobs.count, next - oldest)
    }
    while oldest < next {
      XCTAssertEqual(jobs.remove(taskID: oldest)?.taskID, oldest)
      oldest += 1
    }
    XCTAssertTrue(jobs.isEmpty)
    XCTAssertNil(jobs.remove(taskID: 0))
  }

  func testOutOfOrderRemovalLeavesTheRestFindable() {
    var jobs = InFlightJobs()
    for id in 10..<20 { jobs.append(job(id)) }
    XCTAssertEqual(jobs.remove(taskID: 15)?.taskID, 15)
    XCTAssertNil(jobs.remove(taskID: 15), "a job is removed once")
    XCTAssertNil(jobs.job(taskID: 15))
    XCTAssertEqual(jobs.job(taskID: 16)?.taskID, 16)
    XCTAssertEqual(jobs.count, 9)
    // Growing while a hole is held keeps every job and the hole.
    for id in 20..<30 { jobs.append(job(id)) }
    for id in [10, 11, 12, 13, 14, 16, 17, 18, 19] + Array(20..<30) {
      XCTAssertEqual(jobs.remove(taskID: id)?.taskID, id)
    }
    XCTAssertTrue(jobs.isEmpty)
    XCTAssertNil(jobs.remove(taskID: 15))
  }

  func testFirstIsTheOldestJobAcrossHoles() {
    var jobs = InFlightJobs()
    XCTAssertNil(jobs.first)
    for id in 1...6 { jobs.append(job(id)) }
    XCTAssertEqual(jobs.first?.taskID, 1)
    _ = jobs.remove(taskID: 2)
    _ = jobs.remove(taskID: 3)
    XCTAssertEqual(jobs.first?.taskID, 1)
    _ = jobs.remove(taskID: 1)
    XCTAssertEqual(jobs.first?.taskID, 4, "the head steps over the holes")
    XCTAssertEqual(jobs.all.map(\.taskID), [4, 5, 6])
    for id in 4...6 { _ = jobs.remove(taskID: id) }
    XCTAssertNil(jobs.first)
    XCTAssertEqual(jobs.all.map(\.taskID), [])
  }

  func testAnUnknownTaskIsNotFound() {
    var jobs = InFlightJobs()
    jobs.append(job(1))
    XCTAssertNil(jobs.remove(taskID: 2))
    XCTAssertNil(jobs.job(taskID: 2))
    XCTAssertEqual(jobs.count, 1)
  }
}
