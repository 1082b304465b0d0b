import Foundation
import MPIParallel
import Synchronization
import XCTest

/// A temporary directory per test, removed afterwards, and record builders.
class JournalTestCase: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "journal-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  func path(_ name: String = "journal.sqlite") -> String {
    directory.appendingPathComponent(name).path
  }

  func key(_ text: String) -> TaskKey { TaskKey.of(Array(text.utf8)) }

  /// A record of task `id` in `run`, finished at `time` (seconds since 2001).
  func record(
    _ id: Int, run: Int = 1, function: String = "square", key: TaskKey? = nil, state: TaskState = .succeeded,
    time: Double = 700_000_000, result: [UInt8]? = nil
  ) -> JournalRecord {
    JournalRecord(
      run: run, taskID: id, function: function, key: key ?? self.key("\(function)(\(id))"),
      engineID: id % 3 + 1,
      state: state, submitted: Date(timeIntervalSinceReferenceDate: time - 2),
      started: Date(timeIntervalSinceReferenceDate: time - 1),
      completed: Date(timeIntervalSinceReferenceDate: time),
      error: state == .failed ? "boom \(id)" : nil,
      result: result ?? (state == .succeeded ? [UInt8(id % 256), 7] : nil))
  }
}

/// Records, batching, runs, resume data, crash counts and history against
/// real journal files.
final class JournalStorageTests: JournalTestCase {
  func testRoundTripWithNilFieldsAndBytes() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    let full = JournalRecord(
      run: 1, taskID: 1, function: "f", key: TaskKey(high: .max, low: 0x8000_0000_0000_0001), engineID: 3,
      state: .succeeded, submitted: Date(timeIntervalSince1970: 1_700_000_000.123_456_7),
      started: Date(timeIntervalSince1970: 1_700_000_001.5), completed: Date(), error: nil,
      result: Array(0...255) + [0, 0])
    let bare = JournalRecord(
      run: 1, taskID: 2, function: "push", key: nil, engineID: nil, state: .aborted, submitted: Date(),
      started: nil, completed: nil, error: nil, result: nil)
    let failed = JournalRecord(
      run: 1, taskID: 3, function: "", key: TaskKey(high: 0, low: 0), engineID: 0, state: .failed,
      submitted: Date(), started: Date(), completed: Date(), error: "ZeroDivisionError: ünïcode ✓", result: []
    )
    for record in [full, bare, failed] { journal.append(record) }
    try journal.flush()
    XCTAssertEqual(try journal.record(taskID: 1), full)
    XCTAssertEqual(try journal.record(taskID: 2), bare)
    XCTAssertEqual(try journal.record(taskID: 3), failed)
    XCTAssertEqual(try journal.record(taskID: 3)?.result, [])  // empty, not nil
    XCTAssertNil(try journal.record(taskID: 4))
    XCTAssertEqual(try journal.records(), [full, bare, failed])
    try journal.close()
    // And after reopening.
    let again = try Journal(path: path())
    defer { try? again.close() }
    XCTAssertEqual(try again.records(), [full, bare, failed])
  }

  /// One batch of 37 records is written 16 rows to a statement, twice, then
  /// one at a time: every kind of field survives in each position, and a
  /// task recorded twice in the batch keeps its later record.
  func testABatchWrittenInGroupsKeepsEveryFieldAndTheLaterDuplicate() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    var expected: [JournalRecord] = []
    for id in 1...36 {
      var record: JournalRecord
      switch id % 4 {
      case 0: record = self.record(id, function: "f\(id)", state: .failed)
      case 1: record = self.record(id, function: "", result: [])
      case 2:
        record = JournalRecord(
          run: 1, taskID: id, function: "push", state: .aborted,
          submitted: Date(timeIntervalSinceReferenceDate: 5))
      default:
        record = self.record(id, function: "ünïcode ✓", result: Array(repeating: UInt8(id), count: id * 10))
        record.error = "e\(id)"
      }
      expected.append(record)
    }
    var replaced = record(20, function: "again", result: [42])
    replaced.engineID = nil
    for record in expected + [replaced] { journal.append(record) }
    try journal.flush()
    expected[19] = replaced
    XCTAssertEqual(try journal.records(), expected)
  }

  func testTenThousandAppendsThenFlush() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    for id in 1...10_000 { journal.append(record(id)) }
    try journal.flush()
    XCTAssertEqual(try journal.records().count, 10_000)
    XCTAssertEqual(try journal.record(taskID: 10_000), record(10_000))
    XCTAssertEqual(try journal.records(run: 1, limit: 3).map(\.taskID), [1, 2, 3])
  }

  func testBackgroundThreadWritesWithoutFlush() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    journal.append(record(1))
    // A second connection that does not flush: only the writer thread can
    // have put the record there.
    let deadline = Date().addingTimeInterval(0.2)
    var seen = false
    while !seen && Date() < deadline {
      seen = (try? countTasks(path())) == 1
      if !seen { usleep(5_000) }
    }
    XCTAssertTrue(seen, "the record was not written within 200 ms")
  }

  /// Counts task rows through a second journal on the same file (whose
  /// reads flush only its own, empty queue).
  func countTasks(_ path: String) throws -> Int {
    let other = try Journal(path: path)
    defer { try? other.close() }
    return try other.records().count
  }

  func testRunsNumberingAndEnd() throws {
    let journal = try Journal(path: path())
    XCTAssertTrue(try journal.runs().isEmpty)
    XCTAssertEqual(try journal.beginRun(), 1)
    try journal.endRun(1, how: .clean)
    XCTAssertEqual(try journal.beginRun(), 2)
    try journal.close()
    let again = try Journal(path: path())
    defer { try? again.close() }
    XCTAssertEqual(try again.beginRun(), 3)
    try again.endRun(3, how: .terminated)
    let runs = try again.runs()
    XCTAssertEqual(runs.map(\.run), [1, 2, 3])
    XCTAssertEqual(runs.map(\.how), [.clean, nil, .terminated])
    XCTAssertNotNil(runs[0].ended)
    XCTAssertNil(runs[1].ended)  // crashed
    XCTAssertLessThanOrEqual(runs[0].started, runs[2].started)
    XCTAssertThrowsError(try again.endRun(9, how: .clean))
  }

  func testCompletedResultsPreferNewestRunAndIgnoreFailures() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    let a = key("a")
    let b = key("b")
    let c = key("c")
    journal.append(record(1, run: 1, key: a, result: [1]))
    journal.append(record(2, run: 1, key: b, state: .failed))
    journal.append(record(3, run: 1, key: c, result: [3]))
    journal.append(record(1, run: 2, key: a, result: [2]))
    journal.append(record(2, run: 2, key: c, state: .failed))  // does not hide run 1's success
    journal.append(record(3, run: 2, function: "other", key: a, result: [9]))
    journal.append(record(4, run: 2, key: nil, result: [5]))  // keyed by "square(4)"
    var unkeyed = record(5, run: 2, result: [6])
    unkeyed.key = nil
    journal.append(unkeyed)
    let results = try journal.completedResults()
    XCTAssertEqual(results[JournalKey(function: "square", key: a)], [2])
    XCTAssertNil(results[JournalKey(function: "square", key: b)])
    XCTAssertEqual(results[JournalKey(function: "square", key: c)], [3])
    XCTAssertEqual(results[JournalKey(function: "other", key: a)], [9])
    XCTAssertEqual(results[JournalKey(function: "square", key: key("square(4)"))], [5])
    XCTAssertEqual(results.count, 4)
  }

  func testCrashMarkersIngestedOnceAndResetOnSuccess() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    let trap = key("trap(1)")
    let other = key("other")
    XCTAssertEqual(journal.crashMarkerPath, path() + ".crashes")
    try Journal.appendCrashMarker(at: journal.crashMarkerPath, function: "trap", key: trap)
    let garbage = "no tab here\n\tabc\nf\tnothex\n\t\(trap.hex)\ntrap\t\(trap.hex)extra\n\n"
    try appendText(garbage, to: journal.crashMarkerPath)
    try appendText("odd\tfunc\t\(other.hex)\n", to: journal.crashMarkerPath)  // name with a tab
    XCTAssertEqual(try journal.beginRun(), 1)
    XCTAssertFalse(FileManager.default.fileExists(atPath: journal.crashMarkerPath))
    XCTAssertEqual(
      try journal.crashCounts(),
      [JournalKey(function: "trap", key: trap): 1, JournalKey(function: "odd\tfunc", key: other): 1])
    // No markers: nothing changes.
    XCTAssertEqual(try journal.beginRun(), 2)
    XCTAssertEqual(try journal.crashCounts()[JournalKey(function: "trap", key: trap)], 1)
    // Counts add across runs.
    try Journal.appendCrashMarker(at: journal.crashMarkerPath, function: "trap", key: trap)
    try Journal.appendCrashMarker(at: journal.crashMarkerPath, function: "trap", key: trap)
    XCTAssertEqual(try journal.beginRun(), 3)
    XCTAssertEqual(try journal.crashCounts()[JournalKey(function: "trap", key: trap)], 3)
    // A failure keeps the count, a success of that key resets it.
    journal.append(record(1, run: 3, function: "trap", key: trap, state: .failed))
    XCTAssertEqual(try journal.crashCounts()[JournalKey(function: "trap", key: trap)], 3)
    journal.append(record(2, run: 3, function: "trap", key: trap, state: .succeeded))
    XCTAssertEqual(try journal.crashCounts(), [JournalKey(function: "odd\tfunc", key: other): 1])
  }

  func appendText(_ text: String, to path: String) throws {
    if !FileManager.default.fileExists(atPath: path) {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
    }
    let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Array(text.utf8))
  }

  func testHistoryQueries() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    for id in 1...10 {
      journal.append(
        record(id, run: 1, function: id % 2 == 0 ? "even" : "odd", state: id % 3 == 0 ? .failed : .succeeded))
    }
    for id in 1...4 { journal.append(record(id, run: 2, function: "later", state: .aborted)) }
    XCTAssertEqual(try journal.records(state: .failed).map(\.taskID), [3, 6, 9])
    XCTAssertEqual(try journal.records(function: "even").map(\.taskID), [2, 4, 6, 8, 10])
    XCTAssertEqual(try journal.records(state: .failed, function: "even").map(\.taskID), [6])
    XCTAssertEqual(try journal.records(run: 2).map(\.taskID), [1, 2, 3, 4])
    XCTAssertEqual(try journal.records(state: .aborted, run: 1), [])
    XCTAssertEqual(try journal.records(limit: 12).map(\.run), Array(repeating: 1, count: 10) + [2, 2])
    XCTAssertEqual(try journal.records(function: "odd", limit: 2).map(\.taskID), [1, 3])
    XCTAssertEqual(try journal.records(limit: 0), [])
    XCTAssertEqual(try journal.records().count, 14)
    // Latest run by default, or the one asked for.
    XCTAssertEqual(try journal.record(taskID: 2)?.function, "later")
    XCTAssertEqual(try journal.record(taskID: 2, run: 1)?.function, "even")
    XCTAssertEqual(try journal.record(taskID: 7)?.run, 1)
    XCTAssertNil(try journal.record(taskID: 7, run: 2))
    XCTAssertEqual(try journal.record(taskID: 3, run: 1)?.error, "boom 3")
  }

  func testPurge() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    for id in 1...10 { journal.append(record(id, time: 1_000 + Double(id))) }
    var aborted = record(11, state: .aborted, time: 1_000)
    aborted.started = nil
    aborted.completed = nil  // counts by submission: 998
    journal.append(aborted)
    XCTAssertEqual(try journal.purge(before: Date(timeIntervalSinceReferenceDate: 1_005)), 5)
    XCTAssertEqual(try journal.records().map(\.taskID), [5, 6, 7, 8, 9, 10])
    XCTAssertEqual(try journal.purge(before: Date(timeIntervalSinceReferenceDate: 1_005)), 0)
    XCTAssertEqual(try journal.purge(before: Date.distantFuture), 6)
    XCTAssertEqual(try journal.records(), [])
  }

  func testConcurrentReadsWhileWriting() throws {
    let journal = try Journal(path: path())
    defer { try? journal.close() }
    // A second journal on the same file reads without flushing the first:
    // its reads overlap the first one's background writes.
    let observer = try Journal(path: path())
    defer { try? observer.close() }
    let total = 40_000
    let failures = Failures()
    let finished = Failures()
    let group = DispatchGroup()
    let records = (1...total).map { record($0) }
    DispatchQueue.global().async(group: group) {
      for (id, record) in zip(1..., records) {
        journal.append(record)
        if id % 1_000 == 0 { usleep(1_000) }
      }
      finished.add("appended")
    }
    let readers: [(String, @Sendable () throws -> Int)] = [
      ("flushing reader", { try journal.completedResults().count }),
      ("other connection", { try observer.records(state: .succeeded).count }),
      ("other connection's results", { try observer.completedResults().count }),
    ]
    for (name, read) in readers {
      DispatchQueue.global().async(group: group) {
        var last = 0
        var reads = 0
        repeat {
          do {
            let count = try read()
            if count < last { failures.add("\(name): count went down from \(last) to \(count)") }
            last = count
            reads += 1
          } catch {
            failures.add("\(name): \(error)")
            return
          }
        } while finished.count == 0 || reads < 3
      }
    }
    XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
    XCTAssertEqual(failures.all, [])
    XCTAssertEqual(try journal.completedResults().count, total)
    XCTAssertEqual(try observer.records().count, total)
  }

  func testAppendAfterCloseIsIgnoredAndReadsThrow() throws {
    let journal = try Journal(path: path())
    journal.append(record(1))
    try journal.close()
    try journal.close()
    journal.append(record(2))
    try journal.flush()
    XCTAssertThrowsError(try journal.records()) { error in
      guard case JournalError.io = error else { return XCTFail("\(error)") }
    }
    let again = try Journal(path: path())
    defer { try? again.close() }
    XCTAssertEqual(try again.records().map(\.taskID), [1])  // close wrote the pending one
  }
}

/// A thread-safe list of strings.
final class Failures: Sendable {
  private let items = Mutex<[String]>([])
  func add(_ item: String) { items.withLock { $0.append(item) } }
  var all: [String] { items.withLock { $0 } }
  var count: Int { items.withLock { $0.count } }
}

/// Deleting chosen tasks' records (IPython's `purge_results(jobs)`).
final class JournalPurgeTests: JournalTestCase {
  func testPurgeTaskIDsOfTheLatestRunOrOfOneRun() throws {
    let journal = try Journal(path: path())
    let first = try journal.beginRun()
    for id in 1...4 { journal.append(record(id, run: first)) }
    try journal.endRun(first, how: .clean)
    let second = try journal.beginRun()
    for id in 1...4 { journal.append(record(id, run: second)) }
    try journal.flush()
    XCTAssertEqual(try journal.purge(taskIDs: [2, 3, 99]), 2)
    XCTAssertNil(try journal.record(taskID: 2, run: second))
    XCTAssertNotNil(try journal.record(taskID: 2, run: first))
    XCTAssertNotNil(try journal.record(taskID: 4, run: second))
    XCTAssertEqual(try journal.purge(taskIDs: [1], run: first), 1)
    XCTAssertNil(try journal.record(taskID: 1, run: first))
    XCTAssertEqual(try journal.purge(taskIDs: []), 0)
    try journal.close()
  }
}
