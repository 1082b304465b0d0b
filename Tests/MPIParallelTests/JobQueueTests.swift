import XCTest

@testable import MPIParallel

final class JobQueueTests: XCTestCase {
  func job(_ id: Int, _ state: ResultState) -> Job {
    Job(taskID: id, message: [], result: state, slot: 0, targets: nil, engine: -1, loadBalanced: true)
  }

  func testFIFOAcrossCompactions() {
    let state = ResultState(label: "q", slots: [])
    var queue = JobQueue()
    var next = 0
    var expected = 0
    for round in 0..<50 {
      for _ in 0..<(100 + round) {
        queue.append(job(next, state))
        next += 1
      }
      for _ in 0..<90 {
        XCTAssertEqual(queue.removeFirst().taskID, expected)
        expected += 1
      }
    }
    XCTAssertEqual(queue.count, next - expected)
    XCTAssertEqual(queue.first?.taskID, expected)
  }

  func testRemoveWhereKeepsOrder() {
    let state = ResultState(label: "q", slots: [])
    var queue = JobQueue()
    for id in 0..<10 { queue.append(job(id, state)) }
    _ = queue.removeFirst()
    let removed = queue.removeAll { $0.taskID % 3 == 0 }
    XCTAssertEqual(removed.map(\.taskID), [3, 6, 9])
    var rest: [Int] = []
    while !queue.isEmpty { rest.append(queue.removeFirst().taskID) }
    XCTAssertEqual(rest, [1, 2, 4, 5, 7, 8])
  }
}
