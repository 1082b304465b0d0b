import Foundation
import GRDB
import XCTest

@testable import MPIParallel

/// The packed batches of the `staged` table: their format, and when they
/// move into `tasks` (idle writer, too many staged, reads, opening again).
final class JournalStagingTests: JournalTestCase {
  /// Records with every combination of the optional fields, in every state.
  func everyShape() -> [JournalRecord] {
    var records: [JournalRecord] = []
    for shape in 0..<64 {
      let has = { (bit: Int) in shape & (1 << bit) != 0 }
      records.append(
        JournalRecord(
          run: shape % 3 + 1, taskID: -shape * 1_000_003, function: shape % 5 == 0 ? "" : "fünction\(shape)",
          key: has(0) ? TaskKey(high: .max - UInt64(shape), low: UInt64(shape) << 40) : nil,
          engineID: has(1) ? shape * 7 : nil, state: JournalBatch.states[shape % 5],
          submitted: Date(timeIntervalSinceReferenceDate: 700_000_000.123_456 + Double(shape)),
          started: has(2) ? Date(timeIntervalSinceReferenceDate: -Double(shape)) : nil,
          completed: has(3) ? Date(timeIntervalSinceReferenceDate: .pi * Double(shape)) : nil,
          error: has(4) ? String(repeating: "é✓", count: shape) : nil,
          result: has(5) ? Array(repeating: UInt8(shape), count: shape % 4 == 0 ? 0 : shape * 3) : nil))
    }
    return records
  }

  func unpack(_ bytes: [UInt8], count: Int, batch: Int64 = 7) throws -> [JournalRecord] {
    var records: [JournalRecord] = []
    try bytes.withUnsafeBytes {
      try JournalBatchReader.forEach(in: $0, count: count, path: "j.sqlite", batch: batch) {
        records.append($0.record)
      }
    }
    return records
  }

  func pack(_ records: [JournalRecord], into batch: JournalBatch = JournalBatch(capacity: 64)) -> [UInt8] {
    for record in records { batch.append(record) }
    XCTAssertEqual(batch.count, records.count)
    return Array(batch.bytes)
  }

  func testPackThenUnpackKeepsEveryField() throws {
    let records = everyShape()
    // A small first capacity: the batch grows many times.
    let batch = JournalBatch(capacity: 64)
    let bytes = pack(records, into: batch)
    XCTAssertEqual(bytes.first, JournalBatch.format)
    XCTAssertEqual(try unpack(bytes, count: records.count), records)
    XCTAssertEqual(try unpack(pack([]), count: 0), [])
    // Emptied, it packs the next records from the start.
    batch.removeAll()
    XCTAssertTrue(batch.isEmpty)
    XCTAssertEqual(try unpack(pack(Array(records[3..<5]), into: batch), count: 2), Array(records[3..<5]))
  }

  /// Every prefix of a blob is refused with the batch's number: cut inside
  /// a record, or at a record's end (then it holds fewer than its row says).
  func testEveryCutAndDamageIsRefusedNamingTheBatch() throws {
    let records = Array(everyShape()[60..<64])
    let bytes = pack(records)
    for length in 0..<bytes.count {
      XCTAssertThrowsError(try unpack(Array(bytes.prefix(length)), count: records.count), "cut at \(length)")
      {
        guard case JournalError.io(let path, let reason) = $0 else { return XCTFail("\($0)") }
        XCTAssertEqual(path, "j.sqlite")
        XCTAssertTrue(reason.hasPrefix("staged batch 7 is damaged: "), reason)
      }
    }
    func reason(_ bytes: [UInt8], count: Int) -> String {
      do {
        _ = try unpack(bytes, count: count)
        return "accepted"
      } catch {
        return "\(error)"
      }
    }
    XCTAssertTrue(reason([], count: 0).contains("it is empty"))
    XCTAssertTrue(reason([2], count: 0).contains("unknown format 2"))
    XCTAssertTrue(reason(bytes, count: 5).contains("it holds 4 records where its row says 5"))
    var flags = bytes
    flags[1] = 0x40
    XCTAssertTrue(reason(flags, count: 4).contains("record 1 has unknown flags 64"))
    var state = bytes
    state[2] = 5
    XCTAssertTrue(reason(state, count: 4).contains("record 1 has unknown state 5"))
    XCTAssertTrue(reason(Array(bytes.prefix(30)), count: 4).contains("record 1 is cut short at byte 27"))  // its function's length starts at 27
  }

  /// A policy that never moves on its own: what is written stays staged.
  let never = JournalWriter.MovePolicy(idleBeforeMoving: 3_600, stagedRecordLimit: .max)

  func testWrittenRecordsAreStagedAndAReadMovesThemFirst() throws {
    let journal = try Journal(path: path(), policy: never)
    defer { try? journal.close() }
    for id in 1...100 { journal.append(record(id)) }
    try journal.flush()
    let counts = try journal.rowCounts()
    XCTAssertEqual(counts.tasks, 0)
    XCTAssertGreaterThanOrEqual(counts.staged, 1)
    XCTAssertEqual(try journal.record(taskID: 42), record(42))
    XCTAssertEqual(try journal.rowCounts().tasks, 100)
    XCTAssertEqual(try journal.rowCounts().staged, 0)
  }

  func testAnIdleWriterMovesStagedRecords() throws {
    let journal = try Journal(path: path(), policy: .init(idleBeforeMoving: 0.05, stagedRecordLimit: .max))
    defer { try? journal.close() }
    for id in 1...5_000 { journal.append(record(id)) }
    try journal.flush()
    let deadline = Date().addingTimeInterval(20)
    var counts = try journal.rowCounts()
    while counts != (5_000, 0) && Date() < deadline {
      usleep(10_000)
      counts = try journal.rowCounts()
    }
    XCTAssertEqual(counts.tasks, 5_000)
    XCTAssertEqual(counts.staged, 0)
    // Then it checkpoints: the file without its WAL holds the moved records.
    var copied = 0
    while copied != 5_000 && Date() < deadline {
      usleep(10_000)
      copied = try tasksInFileAlone()
    }
    XCTAssertEqual(copied, 5_000, "the idle writer did not checkpoint")
  }

  /// The tasks in a copy of the journal's file without its WAL.
  func tasksInFileAlone() throws -> Int {
    let copy = path("alone.sqlite")
    try? FileManager.default.removeItem(atPath: copy)
    try FileManager.default.copyItem(atPath: path(), toPath: copy)
    let queue = try DatabaseQueue(path: copy)
    defer { try? queue.close() }
    // Without a checkpoint even the table may be only in the WAL.
    return (try? queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tasks") }) ?? 0
  }

  func testTooManyStagedRecordsAreMovedAfterEachWrite() throws {
    let journal = try Journal(path: path(), policy: .init(idleBeforeMoving: 3_600, stagedRecordLimit: 300))
    defer { try? journal.close() }
    for round in 0..<10 {
      for id in 1...100 { journal.append(record(round * 100 + id)) }
      try journal.flush()
    }
    // Ten batches of 100 were staged; past 300 each write moved up to
    // `batchesPerMove` of them, oldest first.
    let counts = try journal.rowCounts()
    XCTAssertGreaterThanOrEqual(counts.tasks, 400)
    XCTAssertLessThan(counts.staged, 10)
    XCTAssertEqual(try journal.records().map(\.taskID), Array(1...1_000))
  }

  /// A journal that is not closed (a killed job) leaves its records
  /// staged; the next journal on the file moves them when it opens, and a
  /// task recorded twice keeps its later record.
  func testRecordsLeftStagedAreMovedWhenTheFileIsOpenedAgain() throws {
    var journal: Journal? = try Journal(path: path(), policy: never)
    for id in 1...50 { journal?.append(record(id)) }
    try journal?.flush()
    journal?.append(record(7, state: .failed))
    try journal?.flush()
    XCTAssertEqual(try journal?.rowCounts().tasks, 0)
    journal = nil
    let again = try Journal(path: path(), policy: never)
    defer { try? again.close() }
    XCTAssertEqual(try again.rowCounts().tasks, 50)
    XCTAssertEqual(try again.rowCounts().staged, 0)
    var expected = (1...50).map { record($0) }
    expected[6] = record(7, state: .failed)
    XCTAssertEqual(try again.records(), expected)
  }

  func testClosingMovesStagedRecords() throws {
    let journal = try Journal(path: path(), policy: never)
    for id in 1...30 { journal.append(record(id)) }
    try journal.close()
    let queue = try DatabaseQueue(path: path())
    defer { try? queue.close() }
    XCTAssertEqual(try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tasks") }, 30)
    XCTAssertEqual(try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM staged") }, 0)
  }

  /// A damaged staged batch is reported when the file is opened; it stays
  /// staged and nothing else changes.
  func testADamagedStagedBatchIsReportedAndKept() throws {
    var journal: Journal? = try Journal(path: path(), policy: never)
    for id in 1...3 { journal?.append(record(id)) }
    try journal?.flush()
    journal = nil
    let queue = try DatabaseQueue(path: path())
    try queue.write { try $0.execute(sql: "UPDATE staged SET records = substr(records, 1, 20)") }
    try queue.close()
    XCTAssertThrowsError(try Journal(path: path(), policy: never)) { error in
      guard case JournalError.io(let named, let reason) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(named, path())
      XCTAssertTrue(reason.contains("staged batch 1 is damaged: record 1 is cut short"), reason)
    }
    let check = try DatabaseQueue(path: path())
    defer { try? check.close() }
    XCTAssertEqual(try check.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM staged") }, 1)
    XCTAssertEqual(try check.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tasks") }, 0)
  }

  /// A journal in format 1 (no `staged` table) keeps its records and is
  /// brought to the current format when opened.
  func testAFormatOneJournalIsBroughtToTheCurrentFormat() throws {
    let queue = try DatabaseQueue(path: path())
    try queue.write { db in
      try db.execute(sql: "PRAGMA application_id = \(JournalSchema.applicationID)")
      try db.execute(sql: "PRAGMA user_version = 1")
      try db.execute(
        sql: JournalSchema.createSQL.replacingOccurrences(of: JournalSchema.stagedSQL, with: "")
          .replacingOccurrences(of: JournalSchema.guardSQL, with: ""))
      try db.execute(
        sql: "INSERT INTO tasks (run, task_id, function, state, submitted) VALUES (1, 5, 'old', 'aborted', 0)"
      )
    }
    XCTAssertEqual(
      try queue.read {
        try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master WHERE name = 'staged'")
      }, 0)
    try queue.close()
    let journal = try Journal(path: path(), policy: never)
    defer { try? journal.close() }
    XCTAssertEqual(
      try journal.records(),
      [
        JournalRecord(
          run: 1, taskID: 5, function: "old", state: .aborted,
          submitted: Date(timeIntervalSinceReferenceDate: 0))
      ])
    journal.append(record(6))
    XCTAssertEqual(try journal.record(taskID: 6), record(6))
    let check = try DatabaseQueue(path: path())
    defer { try? check.close() }
    XCTAssertEqual(try check.read { try Int.fetchOne($0, sql: "PRAGMA user_version") }, JournalSchema.version)
  }
}
