import Foundation
import GRDB
import XCTest

@testable import MPIParallel

/// The journal's write-ahead log: a clean close leaves one file that holds
/// everything; a log lost or damaged after a killed run is refused, never
/// taken as an empty history; a killed run with its log resumes. And the
/// `runs` table in Unix time, older journals migrated.
final class JournalWALTests: JournalTestCase {
  let never = JournalWriter.MovePolicy(idleBeforeMoving: 3_600, stagedRecordLimit: .max)

  var files: FileManager { FileManager.default }

  /// A second directory to copy journals into.
  func copyPath(_ name: String) throws -> String {
    let copies = directory.appendingPathComponent("copies", isDirectory: true)
    try files.createDirectory(at: copies, withIntermediateDirectories: true)
    return copies.appendingPathComponent(name).path
  }

  func copy(_ from: String, to: String) throws {
    if files.fileExists(atPath: to) { try files.removeItem(atPath: to) }
    try files.copyItem(atPath: from, toPath: to)
  }

  /// A journal with one run still open and `count` records written in
  /// several commits, as a killed run leaves it (the caller closes it
  /// after copying its files).
  func openRun(records count: Int) throws -> Journal {
    let journal = try Journal(path: path(), policy: never)
    let run = try journal.beginRun()
    for id in 1...count {
      journal.append(record(id, run: run))
      if id % 10 == 0 { try journal.flush() }
    }
    try journal.flush()
    return journal
  }

  func assertIncomplete(
    _ path: String, mentions words: [String], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    XCTAssertThrowsError(try Journal(path: path), file: file, line: line) { error in
      guard case JournalError.incomplete(let named, let reason) = error else {
        return XCTFail("expected incomplete, got \(error)", file: file, line: line)
      }
      XCTAssertEqual(named, path, file: file, line: line)
      XCTAssertTrue("\(error)".contains(path), "\(error)", file: file, line: line)
      for word in words { XCTAssertTrue(reason.contains(word), reason, file: file, line: line) }
    }
    XCTAssertEqual(
      try Data(contentsOf: URL(fileURLWithPath: path)), before, "the refused file changed", file: file, line: line)
  }

  func testACleanCloseLeavesOneFileThatHoldsEveryRecord() throws {
    let journal = try Journal(path: path())
    let run = try journal.beginRun()
    // As a farm does: read what earlier runs completed (a reader
    // connection), then record every task.
    XCTAssertTrue(try journal.completedResults().isEmpty)
    for id in 1...2_000 { journal.append(record(id, run: run)) }
    try journal.endRun(run, how: .clean)
    XCTAssertEqual(try journal.records(run: run, limit: 1).count, 1)
    try journal.close()
    XCTAssertFalse(files.fileExists(atPath: path() + "-wal"), "a clean close left a -wal")
    XCTAssertFalse(files.fileExists(atPath: path() + "-shm"), "a clean close left a -shm")

    let alone = try copyPath("alone.sqlite")
    try copy(path(), to: alone)
    let queue = try DatabaseQueue(path: alone)
    XCTAssertEqual(try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tasks") }, 2_000)
    try queue.close()
    let again = try Journal(path: alone)
    defer { try? again.close() }
    XCTAssertEqual(try again.records().count, 2_000)
    XCTAssertEqual(try again.runs().map(\.how), [.clean])
  }

  func testAMissingLogAfterAKilledRunIsRefusedAndAnIntactOneResumes() throws {
    let journal = try openRun(records: 100)
    // The files as a kill leaves them: the main file, and the log beside it.
    let alone = try copyPath("alone.sqlite")
    let whole = try copyPath("whole.sqlite")
    let emptyLog = try copyPath("emptylog.sqlite")
    try copy(path(), to: alone)
    try copy(path(), to: whole)
    try copy(path() + "-wal", to: whole + "-wal")
    try copy(path(), to: emptyLog)
    XCTAssertTrue(files.createFile(atPath: emptyLog + "-wal", contents: Data()))
    try journal.close()

    try assertIncomplete(alone, mentions: ["write-ahead log", alone + "-wal", "missing", "run 1"])
    try assertIncomplete(emptyLog, mentions: ["missing or empty"])

    let resumed = try Journal(path: whole)
    XCTAssertEqual(try resumed.records().count, 100)
    XCTAssertEqual(try resumed.beginRun(), 2)
    try resumed.close()
    XCTAssertFalse(files.fileExists(atPath: whole + "-wal"))
  }

  func testADamagedLogAfterAKilledRunIsRefused() throws {
    let journal = try openRun(records: 100)
    let frame = try copyPath("frame.sqlite")
    let header = try copyPath("header.sqlite")
    for copyPath in [frame, header] {
      try copy(path(), to: copyPath)
      try copy(path() + "-wal", to: copyPath + "-wal")
    }
    try journal.close()

    // One byte of the first frame's page: SQLite would read none of the log.
    var log = try Data(contentsOf: URL(fileURLWithPath: frame + "-wal"))
    XCTAssertGreaterThan(log.count, 3 * 4_096, "the run's records should span several frames")
    log[JournalWAL.headerSize + JournalWAL.frameHeaderSize + 100] ^= 0x40
    try log.write(to: URL(fileURLWithPath: frame + "-wal"))
    try assertIncomplete(frame, mentions: ["damaged", "frame 1 is bad"])

    var headerLog = try Data(contentsOf: URL(fileURLWithPath: header + "-wal"))
    headerLog[17] ^= 0x01  // a salt: the header's checksum fails
    try headerLog.write(to: URL(fileURLWithPath: header + "-wal"))
    try assertIncomplete(header, mentions: ["damaged", "checksum"])
  }

  /// A run long enough that its log reaches the checkpoint size (here 64
  /// pages) has its log copied into the main file while it runs. Killed
  /// later, the main file copied alone lacks the records written after
  /// that copy: it is refused, as for a log lost before any copy; with its
  /// log it resumes with every record.
  func testALogCopiedForItsSizeDuringARunAndThenLostIsRefused() throws {
    let journal = try Journal(path: path(), policy: never, checkpointPages: 64)
    let run = try journal.beginRun()
    func size() throws -> Int { (try files.attributesOfItem(atPath: path())[.size] as? Int) ?? 0 }
    let opened = try size()
    var id = 0
    func write(_ count: Int) throws {
      for _ in 0..<count {
        id += 1
        journal.append(record(id, run: run, result: [UInt8](repeating: UInt8(id & 0xff), count: 200)))
        if id % 100 == 0 { try journal.flush() }
      }
      try journal.flush()
    }
    // Until the log has been copied for its size: the main file grows.
    while try size() <= opened, id < 20_000 { try write(100) }
    XCTAssertGreaterThan(try size(), opened, "the log was not copied for its size")
    // Then more records, in the log only.
    try write(300)
    let alone = try copyPath("alone.sqlite")
    let whole = try copyPath("whole.sqlite")
    try copy(path(), to: alone)
    try copy(path(), to: whole)
    try copy(path() + "-wal", to: whole + "-wal")
    try journal.close()

    try assertIncomplete(alone, mentions: ["write-ahead log", alone + "-wal", "missing", "run 1"])
    let resumed = try Journal(path: whole)
    XCTAssertEqual(try resumed.records().count, id)
    try resumed.close()
  }

  /// A bad last frame is a write a kill cut short (its transaction never
  /// committed): the journal opens with what was committed before it.
  func testATornLastFrameIsAKillNotDamage() throws {
    let journal = try openRun(records: 100)
    let torn = try copyPath("torn.sqlite")
    try copy(path(), to: torn)
    var log = try Data(contentsOf: URL(fileURLWithPath: path() + "-wal"))
    try journal.close()
    log.append(Data(repeating: 0xA5, count: JournalWAL.frameHeaderSize + 4_096))
    try log.write(to: URL(fileURLWithPath: torn + "-wal"))
    let opened = try Journal(path: torn)
    defer { try? opened.close() }
    XCTAssertEqual(try opened.records().count, 100)
  }

  /// SQLite closing the last connection checkpoints the log and removes
  /// it (here a plain SQLite reader on a killed run's files): nothing is
  /// lost, and the journal opens.
  func testALogCheckpointedAndRemovedByAPlainReaderIsNotALoss() throws {
    let journal = try openRun(records: 40)
    let killed = try copyPath("killed.sqlite")
    try copy(path(), to: killed)
    try copy(path() + "-wal", to: killed + "-wal")
    try journal.close()
    let reader = try DatabaseQueue(path: killed)
    XCTAssertEqual(try reader.read { try Int.fetchOne($0, sql: "SELECT SUM(count) FROM staged") }, 40)
    try reader.close()
    XCTAssertFalse(files.fileExists(atPath: killed + "-wal"))
    let again = try Journal(path: killed)
    defer { try? again.close() }
    XCTAssertEqual(try again.records().count, 40)
  }

  func testRunsTimesAreUnixTimes() throws {
    let journal = try Journal(path: path())
    let run = try journal.beginRun()
    try journal.endRun(run, how: .clean)
    try journal.close()
    let queue = try DatabaseQueue(path: path())
    defer { try? queue.close() }
    let row = try XCTUnwrap(try queue.read { try Row.fetchOne($0, sql: "SELECT started, ended FROM runs") })
    let now = Date().timeIntervalSince1970
    XCTAssertEqual(row["started"] as Double, now, accuracy: 60)
    XCTAssertEqual(row["ended"] as Double, now, accuracy: 60)
    XCTAssertEqual(try queue.read { try Int.fetchOne($0, sql: "PRAGMA user_version") }, 3)
  }

  /// A format 2 journal (runs in seconds since 2001, no guard) is brought to
  /// format 3 in place: the same dates, now Unix times, and the guard.
  func testAFormatTwoJournalIsMigrated() throws {
    let started = 790_000_000.5
    let queue = try DatabaseQueue(path: path())
    try queue.write { db in
      try db.execute(sql: "PRAGMA application_id = \(JournalSchema.applicationID)")
      try db.execute(sql: "PRAGMA user_version = 2")
      try db.execute(sql: JournalSchema.createSQL.replacingOccurrences(of: JournalSchema.guardSQL, with: ""))
      try db.execute(
        sql: "INSERT INTO runs (run, started, ended, how) VALUES (1, ?, ?, 'clean'), (2, ?, NULL, NULL)",
        arguments: [started, started + 5, started + 10])
      try db.execute(
        sql: "INSERT INTO tasks (run, task_id, function, state, submitted) VALUES (1, 5, 'old', 'aborted', 7)")
    }
    try queue.close()
    let journal = try Journal(path: path())
    let runs = try journal.runs()
    XCTAssertEqual(runs.map(\.run), [1, 2])
    XCTAssertEqual(runs[0].started, Date(timeIntervalSinceReferenceDate: started))
    XCTAssertEqual(runs[0].ended, Date(timeIntervalSinceReferenceDate: started + 5))
    XCTAssertEqual(runs[1].started, Date(timeIntervalSinceReferenceDate: started + 10))
    XCTAssertNil(runs[1].ended)
    XCTAssertEqual(try journal.record(taskID: 5)?.submitted, Date(timeIntervalSinceReferenceDate: 7))
    try journal.close()
    let check = try DatabaseQueue(path: path())
    defer { try? check.close() }
    XCTAssertEqual(try check.read { try Int.fetchOne($0, sql: "PRAGMA user_version") }, 3)
    XCTAssertEqual(
      try check.read { try Double.fetchOne($0, sql: "SELECT started FROM runs WHERE run = 1") },
      started + Date.timeIntervalBetween1970AndReferenceDate)
    XCTAssertEqual(try check.read { try Int.fetchOne($0, sql: "SELECT pending FROM wal_guard") }, 0)
  }
}
