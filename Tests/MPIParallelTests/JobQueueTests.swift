import Synchronization
import XCTest

@testable import MPIParallel

final class JobQueueTests: XCTestCase {
  struct Unencodable: Error {}

  func job(_ id: Int, _ state: ResultState) -> Job {
    Job(taskID: id, message: [], result: state, slot: 0, targets: nil, engine: -1, loadBalanced: true)
  }

  func drain(_ queue: inout JobQueue) -> [Int] {
    var ids: [Int] = []
    while let job = queue.removeFirst(failed: { _, _ in XCTFail("no failures expected") }) {
      ids.append(job.taskID)
    }
    return ids
  }

  func testFIFOAcrossCompactions() {
    let state = ResultState(label: "q", taskIDs: 0..<1)
    var queue = JobQueue()
    var next = 0
    var expected = 0
    for round in 0..<50 {
      for _ in 0..<(100 + round) {
        queue.append(job(next, state))
        next += 1
      }
      for _ in 0..<90 {
        XCTAssertEqual(queue.removeFirst(failed: { _, _ in })?.taskID, expected)
        expected += 1
      }
    }
    XCTAssertEqual(queue.count, next - expected)
  }

  func testMapSourcesEncodeOnDemandInOrderWithJobs() {
    let state = ResultState(label: "map", taskIDs: 100..<104)
    let encoded = Mutex<[Int]>([])
    let source = MapSource(firstTaskID: 100, count: 4, result: state, targets: [1]) { chunk in
      encoded.withLock { $0.append(chunk) }
      return [UInt8(chunk)]
    }
    var queue = JobQueue()
    queue.append(job(1, state))
    queue.append(source)
    queue.append(job(2, state))
    XCTAssertEqual(queue.count, 6)
    XCTAssertEqual(encoded.withLock { $0 }, [], "nothing is encoded before it is taken")
    XCTAssertEqual(queue.removeFirst(failed: { _, _ in })?.taskID, 1)
    XCTAssertEqual(queue.nextTargets, .some([1]))
    let first = queue.removeFirst(failed: { _, _ in })
    XCTAssertEqual(first?.taskID, 100)
    XCTAssertEqual(first?.message, [0])
    XCTAssertEqual(first?.slot, 0)
    XCTAssertEqual(encoded.withLock { $0 }, [0])
    XCTAssertEqual(drain(&queue), [101, 102, 103, 2])
    XCTAssertTrue(queue.isEmpty)
    XCTAssertTrue(queue.nextTargets == nil)
  }

  func testDeferredChunksOfAFlaglessSourceAreWrittenOnlyWhenSent() throws {
    let state = ResultState(label: "map", taskIDs: 0..<2)
    let written = Mutex<[Int]>([])
    let source = MapSource(firstTaskID: 0, count: 2, result: state, targets: nil) { chunk, writer in
      written.withLock { $0.append(chunk) }
      writer.write(UInt8(40 + chunk))
    }
    var queue = JobQueue()
    queue.append(source)
    let deferred = try XCTUnwrap(
      queue.removeFirst(deferring: true, failed: { _, _ in XCTFail("no failure") }))
    XCTAssertEqual(deferred.message, [], "a deferred chunk carries no request")
    XCTAssertTrue(deferred.source === source)
    XCTAssertEqual(written.withLock { $0 }, [])
    var writer = WireWriter()
    writer.write(UInt8(9))
    writer.truncate(to: 0)
    try deferred.source?.write(deferred.slot, &writer)
    XCTAssertEqual(writer.bytes, [40], "the request written as it is sent, into an emptied writer")
    let eager = try XCTUnwrap(queue.removeFirst(failed: { _, _ in XCTFail("no failure") }))
    XCTAssertEqual(eager.message, [41])
    XCTAssertNil(eager.source)
  }

  func testChunksWithFlagsAreEncodedAtOnceEvenWhenDeferring() throws {
    let state = ResultState(label: "map", taskIDs: 0..<1)
    let source = MapSource(
      firstTaskID: 0, count: 1, result: state, targets: nil, flags: TaskFlags(retries: 1)
    ) { [UInt8(7 + $0)] }
    var queue = JobQueue()
    queue.append(source)
    let job = try XCTUnwrap(queue.removeFirst(deferring: true, failed: { _, _ in XCTFail("no failure") }))
    XCTAssertEqual(job.message, [7], "a retry sends the request again: it is kept")
    XCTAssertNil(job.source)
  }

  func testRemovingPartOfASourceSkipsThoseChunks() {
    let state = ResultState(label: "map", taskIDs: 10..<16)
    let source = MapSource(firstTaskID: 10, count: 6, result: state, targets: nil) { [UInt8($0)] }
    var queue = JobQueue()
    queue.append(source)
    _ = queue.removeFirst(failed: { _, _ in })
    let removed = queue.removeAll { $0 % 2 == 0 }
    XCTAssertEqual(removed.map(\.taskID), [12, 14])
    XCTAssertEqual(removed.map(\.slot), [2, 4])
    XCTAssertEqual(queue.count, 3)
    XCTAssertEqual(drain(&queue), [11, 13, 15])
  }

  func testAChunkThatFailsToEncodeIsReportedAndSkipped() {
    let state = ResultState(label: "map", taskIDs: 0..<3)
    let source = MapSource(firstTaskID: 0, count: 3, result: state, targets: nil) { chunk in
      if chunk == 1 { throw Unencodable() }
      return [UInt8(chunk)]
    }
    var queue = JobQueue()
    queue.append(source)
    var failed: [Int] = []
    var taken: [Int] = []
    while let job = queue.removeFirst(failed: { job, _ in failed.append(job.taskID) }) {
      taken.append(job.taskID)
    }
    XCTAssertEqual(taken, [0, 2])
    XCTAssertEqual(failed, [1])
  }

  func testCostHintsGoLongestFirstOverTheWholeQueueAndBeforeUnhintedWork() {
    let state = ResultState(label: "map", taskIDs: 0..<10)
    var queue = JobQueue()
    queue.append(job(1, state))
    let first = MapSource(firstTaskID: 10, count: 3, result: state, targets: nil, costs: [1, 5, 3]) {
      [UInt8($0)]
    }
    let second = MapSource(firstTaskID: 20, count: 2, result: state, targets: nil, costs: [4, 2]) {
      [UInt8($0)]
    }
    queue.append(first)
    queue.append(second)
    let hinted = Job(
      taskID: 30, message: [], result: state, slot: 0, targets: nil, engine: -1, loadBalanced: true,
      flags: SharedFlags(TaskFlags(cost: 4.5)))
    queue.append(hinted)
    XCTAssertEqual(queue.count, 7)
    XCTAssertEqual(drain(&queue), [11, 30, 20, 12, 21, 10, 1])
  }

  func testEqualCostsKeepSubmissionOrder() {
    let state = ResultState(label: "map", taskIDs: 0..<4)
    var queue = JobQueue()
    queue.append(
      MapSource(firstTaskID: 0, count: 4, result: state, targets: nil, costs: [2, 2, 2, 2]) { [UInt8($0)] })
    XCTAssertEqual(drain(&queue), [0, 1, 2, 3])
  }

  func testJobsPutBackComeFirst() {
    let state = ResultState(label: "q", taskIDs: 0..<1)
    var queue = JobQueue()
    queue.append(job(1, state))
    queue.append(job(2, state))
    let taken = queue.removeFirst(failed: { _, _ in })!
    queue.pushFront(taken)
    XCTAssertEqual(queue.nextTargets, .some(nil))
    XCTAssertEqual(drain(&queue), [1, 2])
  }

  func testTakeChunkTakesASourcesNextChunkOnlyWhenItIsNext() {
    let state = ResultState(label: "map", taskIDs: 0..<4)
    let source = MapSource(firstTaskID: 10, count: 4, result: state, targets: nil) { [UInt8($0)] }
    let other = MapSource(firstTaskID: 20, count: 1, result: state, targets: nil) { [UInt8($0)] }
    var queue = JobQueue()
    queue.append(job(1, state))
    queue.append(source)
    queue.append(other)
    XCTAssertNil(queue.takeChunk(of: source), "a job is ahead of the source")
    XCTAssertEqual(queue.removeFirst(failed: { _, _ in })?.taskID, 1)
    XCTAssertNil(queue.takeChunk(of: other), "another source is ahead")
    XCTAssertEqual(queue.takeChunk(of: source), 0)
    // A chunk aborted meanwhile is passed over, as `removeFirst` does.
    XCTAssertEqual(queue.removeAll { $0 == 11 }.map(\.taskID), [11])
    XCTAssertEqual(queue.takeChunk(of: source), 2)
    // A job put back at the front goes first.
    queue.pushFront(job(2, state))
    XCTAssertNil(queue.takeChunk(of: source))
    XCTAssertEqual(queue.removeFirst(failed: { _, _ in })?.taskID, 2)
    XCTAssertEqual(queue.takeChunk(of: source), 3)
    // The source's last chunk is taken: the next source is at the head.
    XCTAssertNil(queue.takeChunk(of: source))
    XCTAssertEqual(queue.count, 1)
    XCTAssertEqual(queue.takeChunk(of: other), 0)
    XCTAssertTrue(queue.isEmpty)
  }

  func testTakeChunkLeavesHintedSourcesToTheHeap() {
    let state = ResultState(label: "map", taskIDs: 0..<2)
    let source = MapSource(firstTaskID: 0, count: 2, result: state, targets: nil, costs: [1, 2]) {
      [UInt8($0)]
    }
    var queue = JobQueue()
    queue.append(source)
    XCTAssertNil(queue.takeChunk(of: source))
    XCTAssertEqual(drain(&queue), [1, 0])
  }

  func testAbortReachesHintedChunks() {
    let state = ResultState(label: "map", taskIDs: 0..<4)
    var queue = JobQueue()
    queue.append(
      MapSource(firstTaskID: 0, count: 4, result: state, targets: nil, costs: [1, 4, 2, 3]) { [UInt8($0)] })
    XCTAssertEqual(queue.removeFirst(failed: { _, _ in })?.taskID, 1)
    XCTAssertEqual(queue.removeAll { $0 == 3 || $0 == 1 }.map(\.taskID), [3])
    XCTAssertEqual(queue.count, 2)
    XCTAssertEqual(drain(&queue), [2, 0])
  }
}

extension MapSource {
  /// A source whose chunk `i`'s request is `encode(i)` (the tests' shorthand).
  convenience init(
    firstTaskID: Int, count: Int, result: ResultState, targets: [Int]?, flags: TaskFlags? = nil,
    costs: [Double]? = nil, encode: @escaping @Sendable (Int) throws -> [UInt8]
  ) {
    self.init(
      firstTaskID: firstTaskID, count: count, result: result, targets: targets, flags: flags, costs: costs
    ) { index, writer in
      try encode(index).withUnsafeBytes { writer.writeRaw($0) }
    }
  }
}
