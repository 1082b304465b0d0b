import XCTest

@testable import MPIParallel

/// A map source takes back the jobs of its answered chunks to carry later
/// ones: only a job nothing else holds, only while chunks remain, and never
/// so that the source and its jobs keep each other alive.
final class MapSourceRecycleTests: XCTestCase {
  func source(count: Int, flags: TaskFlags? = nil) -> MapSource {
    let state = ResultState(label: "map", taskIDs: 100..<(100 + count))
    return MapSource(firstTaskID: 100, count: count, result: state, targets: nil, flags: flags) {
      [UInt8($0)]
    }
  }

  func take(_ queue: inout JobQueue) -> Job? {
    queue.removeFirst(deferring: true) { _, error in XCTFail("no failures expected: \(error)") }
  }

  func testAnAnsweredJobCarriesALaterChunkAsNew() throws {
    let source = source(count: 4)
    var queue = JobQueue()
    queue.append(source)
    let first = try XCTUnwrap(take(&queue))
    let identity = ObjectIdentifier(first)
    XCTAssertEqual(first.taskID, 100)
    first.engine = 3
    first.failures = 2
    first.tried = [1]
    let keptFirst = source.recycle(consume first)
    XCTAssertNil(keptFirst)
    let second = try XCTUnwrap(take(&queue))
    XCTAssertEqual(ObjectIdentifier(second), identity, "the answered job carries the next chunk")
    XCTAssertEqual(second.taskID, 101)
    XCTAssertEqual(second.slot, 1)
    XCTAssertEqual(second.engine, -1)
    XCTAssertEqual(second.failures, 0)
    XCTAssertEqual(second.tried, [])
    XCTAssertEqual(second.message, [], "its request is written as it is sent")
    XCTAssertTrue(second.source === source)
  }

  func testAJobHeldElsewhereIsNotTaken() throws {
    let source = source(count: 4)
    var queue = JobQueue()
    queue.append(source)
    let job = try XCTUnwrap(take(&queue))
    let holder = job
    let keptJob = source.recycle(consume job)
    XCTAssertNotNil(keptJob)
    let next = try XCTUnwrap(take(&queue))
    XCTAssertFalse(next === holder, "a job someone holds is never reused")
    XCTAssertEqual(holder.taskID, 100, "and keeps its chunk")
  }

  func testAnotherSourcesJobIsNotTaken() throws {
    let one = source(count: 4)
    let other = source(count: 4)
    var queue = JobQueue()
    queue.append(other)
    let job = try XCTUnwrap(take(&queue))
    let keptJob = one.recycle(consume job)
    XCTAssertNotNil(keptJob)
  }

  /// Runs `body` on a fresh source of `count` chunks in a queue, then checks
  /// that nothing keeps the source once both are let go.
  func assertReleased(
    count: Int, _ message: String, _ body: (MapSource, inout JobQueue) throws -> Void
  ) rethrows {
    weak var weakSource: MapSource?
    do {
      let source = source(count: count)
      weakSource = source
      var queue = JobQueue()
      queue.append(source)
      try body(source, &queue)
    }
    XCTAssertNil(weakSource, message)
  }

  func testNoSparesOnceEveryChunkIsOut() throws {
    try assertReleased(count: 2, "the source and its jobs do not keep each other") { source, queue in
      let first = try XCTUnwrap(take(&queue))
      let keptFirst = source.recycle(consume first)
      XCTAssertNil(keptFirst, "a chunk remains")
      let second = try XCTUnwrap(take(&queue))
      let keptSecond = source.recycle(consume second)
      XCTAssertNotNil(keptSecond, "no chunk remains: nothing to carry")
      XCTAssertNil(take(&queue))
    }
  }

  func testSparesGoWhenTheRestIsAborted() throws {
    try assertReleased(count: 5, "spares are let go when no chunk remains") { source, queue in
      let first = try XCTUnwrap(take(&queue))
      let keptFirst = source.recycle(consume first)
      XCTAssertNil(keptFirst)
      let aborted = queue.removeAll { $0 >= 101 }
      XCTAssertEqual(aborted.map(\.taskID), [101, 102, 103, 104])
      XCTAssertTrue(queue.isEmpty)
    }
  }

  func testFlaggedChunksAreNotRecycled() throws {
    var flags = TaskFlags()
    flags.retries = 2
    let source = source(count: 4, flags: flags)
    var queue = JobQueue()
    queue.append(source)
    let job = try XCTUnwrap(take(&queue))
    XCTAssertNil(job.source, "a flagged chunk is encoded when taken")
    let keptJob = source.recycle(consume job)
    XCTAssertNotNil(keptJob)
  }
}
