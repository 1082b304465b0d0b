import Foundation
import GRDB
import Synchronization

/// The task journal: an SQLite database (through GRDB, in WAL mode while open) that
/// records every finished task of every run of a program, so that a program
/// started again with the same journal can resume (reuse the results of tasks
/// that already succeeded, quarantine tasks that crash their engines) and so
/// that the driver and the steering tool can look tasks up after the fact.
///
/// Writing is cheap for the hub: `append(_:)` queues the record under a lock
/// and a background thread writes the queue in one transaction every 50 ms
/// (or every 2,000 records), packed into one row of a staging table; the
/// thread moves staged records into the table of tasks once it is idle (see
/// `JournalStaging`). Reads see every record appended before them: they
/// flush, move what is staged, then read on a separate connection; WAL lets
/// them run while the writer writes.
///
/// The journal refuses any file that is not one (another program's SQLite
/// database, a corrupt file, random bytes) with ``JournalError/notAJournal(path:reason:)``
/// and never writes to it. The file format is described in `JournalSchema`.
public final class Journal: Sendable {
  /// The journal's file.
  public let path: String
  /// The WAL's size, in pages of 4 KB, that makes a commit checkpoint it.
  static let checkpointPages = 16_384
  let pool: DatabasePool
  private let writer: JournalWriter
  /// Set by the first `close()`.
  private let closed = Atomic<Bool>(false)

  /// Opens FILE, creating it (and its schema) when missing or empty. An
  /// existing file must be a journal (or an empty database), else
  /// ``JournalError/notAJournal(path:reason:)``, or, for a journal written by
  /// a newer version, ``JournalError/newerFormat(path:version:)``; a foreign
  /// file is never written to.
  public convenience init(path: String) throws {
    try self.init(path: path, policy: JournalWriter.MovePolicy())
  }

  /// Opens FILE (as `init(path:)`) with the writer moving staged records by
  /// `policy`, and the log copied into the file once it holds `checkpointPages`.
  init(path: String, policy: JournalWriter.MovePolicy, checkpointPages: Int = Journal.checkpointPages) throws {
    self.path = path
    try JournalSchema.inspect(path: path)
    var configuration = GRDB.Configuration()
    configuration.busyMode = .timeout(10)
    let length = JournalWAL.LogLength()
    configuration.prepareDatabase { db in
      // WAL with synchronous NORMAL: a commit survives the process being
      // killed (what batch systems do); only a power loss can undo the last one.
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
      // Checkpoints (copying the WAL into the file, with an fsync) wait
      // until the idle writer has moved everything (its `move` below) or
      // the WAL reaches 64 MB, not every 4 MB as by default: a farm's
      // writes go on without stalling the writer or the kernel's disk work
      // competing with the hub for the cores (measured: the journaled farm
      // ran at a median 455k tasks/s with SQLite's default, 591k without
      // checkpoints, four runs each alternating). The journal makes them
      // itself, with the guard armed (see `JournalWAL`); SQLite's own is off.
      try db.execute(sql: "PRAGMA journal_size_limit = \(checkpointPages * 4096)")
      JournalWAL.count(db, into: length)
    }
    let pool: DatabasePool
    do {
      pool = try DatabasePool(path: path, configuration: configuration)
      try pool.write { db in try JournalSchema.prepare(db, path: path) }
    } catch let error as JournalError {
      throw error
    } catch let error as DatabaseError {
      throw JournalSchema.translate(error, path: path, opening: true)
    } catch {
      throw JournalError.io(path: path, reason: "\(error)")
    }
    self.pool = pool
    self.writer = JournalWriter(
      path: path, policy: policy,
      write: { batch in
        try Self.immediate(pool) { db in try JournalStaging.stage(batch, into: db) }
        try JournalWAL.checkpointIfLong(pool, length: length, pages: checkpointPages)
      },
      move: {
        let moved = try Self.immediate(pool) { db in try JournalStaging.move(db, through: .max, path: path) }
        // Everything is moved: a good time for the checkpoint the writes put off.
        if moved == 0 {
          try JournalWAL.checkpoint(pool)
        } else {
          try JournalWAL.checkpointIfLong(pool, length: length, pages: checkpointPages)
        }
        return moved
      })
    // Records a killed run left staged, then a checkpoint, so that the main
    // file holds the format and the armed guard (see `JournalWAL`).
    do {
      try moveStaged()
      try database { try JournalWAL.checkpoint(pool) }
    } catch {
      try? writer.stop()
      throw error
    }
  }

  /// A journal dropped without `close()` stops its writer (what was queued
  /// is written; staged records stay staged for the next open to move) and
  /// closes its connections at once: the writer's thread may hold the pool a
  /// moment longer, and the file must be free for whoever opens it next.
  deinit {
    if !closed.load(ordering: .acquiring) {
      try? writer.stop()
      try? pool.close()
    }
  }

  /// The path engines append crash markers to.
  public var crashMarkerPath: String { path + ".crashes" }

  /// Appends the crash marker "FUNCTION\tKEYHEX\n" to `markerPath` (an
  /// engine's `crashMarkerPath`) in one `write`, so that markers of engines
  /// appending at once do not interleave.
  public static func appendCrashMarker(at markerPath: String, function: String, key: TaskKey) throws {
    let line = Array("\(function)\t\(key.hex)\n".utf8)
    let descriptor = open(markerPath, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard descriptor >= 0 else {
      throw JournalError.io(path: markerPath, reason: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { _ = Foundation.close(descriptor) }
    let count = line.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
    guard count == line.count else {
      throw JournalError.io(path: markerPath, reason: "cannot append: \(String(cString: strerror(errno)))")
    }
  }

  /// Starts a new run and returns its number (1 for a new journal).
  ///
  /// First ingests the crash markers of the previous run: each well-formed
  /// line "FUNCTION\tKEYHEX\n" of `crashMarkerPath` adds 1 to that
  /// (function, key)'s crash count (malformed lines are ignored); then the
  /// marker file is removed.
  public func beginRun() throws -> Int {
    try checkOpen()
    try moveStaged()
    let markers = try readCrashMarkers()
    let run = try database {
      try pool.write { db -> Int in
        for (key, count) in markers ?? [:] {
          try db.execute(
            sql: """
              INSERT INTO crashes (function, key_high, key_low, count) VALUES (?, ?, ?, ?)
              ON CONFLICT (function, key_high, key_low) DO UPDATE SET count = count + excluded.count
              """,
            arguments: [
              key.function, Int64(bitPattern: key.key.high), Int64(bitPattern: key.key.low), count,
            ])
        }
        let last = try Int.fetchOne(
          db,
          sql: "SELECT MAX(run) FROM (SELECT MAX(run) AS run FROM runs UNION ALL SELECT MAX(run) FROM tasks)")
        let run = (last ?? 0) + 1
        try db.execute(
          sql: "INSERT INTO runs (run, started) VALUES (?, ?)",
          arguments: [run, Date().timeIntervalSince1970])
        return run
      }
    }
    // The new run in the main file, the guard armed there for its records.
    try database { try JournalWAL.checkpoint(pool) }
    if markers != nil {
      do {
        try FileManager.default.removeItem(atPath: crashMarkerPath)
      } catch {
        throw JournalError.io(
          path: crashMarkerPath, reason: "cannot remove the ingested crash markers: \(error)")
      }
    }
    return run
  }

  /// Records how run `run` ended (after writing every record appended so far).
  public func endRun(_ run: Int, how: RunEnd) throws {
    try flush()
    let changed = try database {
      try pool.write { db -> Int in
        try db.execute(
          sql: "UPDATE runs SET ended = ?, how = ? WHERE run = ?",
          arguments: [Date().timeIntervalSince1970, how.rawValue, run])
        return db.changesCount
      }
    }
    guard changed == 1 else { throw JournalError.io(path: path, reason: "there is no run \(run) to end") }
  }

  /// Queues a record; a background thread writes queued records in one
  /// transaction every 50 ms or every 2,000 records, whichever comes first.
  /// Cheap for the caller (a lock and an append). Ignored after `close()`.
  public func append(_ record: JournalRecord) {
    writer.append { $0.append(record) }
  }

  /// Queues the record `pack` appends to the batch (under the writer's
  /// lock) and returns its sequence number (see `writtenCount`).
  func enqueue(_ pack: (JournalBatch) -> Void) -> Int { writer.append(pack) }

  /// How many records are written so far: every sequence number up to it is in the file.
  var writtenCount: Int { writer.writtenCount }

  /// Asks the writer to write what is queued now; does not wait.
  func hurry() { writer.hurry() }

  /// Blocks until every record appended so far is written; throws when a
  /// write failed (then some records may be missing from the journal).
  public func flush() throws {
    try writer.flush()
  }

  /// Flushes and stops the writer, moves what is staged into the table of
  /// tasks, copies the write-ahead log into the file and closes it: the
  /// journal is then one file, with no `-wal` or `-shm` beside it (unless
  /// another process still has it open). The journal can no longer be used.
  /// Closing twice does nothing.
  public func close() throws {
    if closed.exchange(true, ordering: .acquiringAndReleasing) { return }
    try writer.stop()
    try moveStaged()
    try database {
      try pool.close()
      try JournalWAL.seal(path: path)
    }
  }

  /// Writes every record appended so far (`flush()`), then moves every
  /// staged record into the table of tasks (several transactions of a few
  /// batches each), where SQL reads find them; reads through the journal do
  /// this themselves.
  public func moveStaged() throws {
    try flush()
    try database {
      guard let last = try pool.write({ db in try JournalStaging.newest(db) }) else { return }
      while try Self.immediate(pool, { db in try JournalStaging.move(db, through: last, path: path) }) > 0 {}
    }
  }

  /// The reply bytes of every successfully completed (function, key), the
  /// newest run's first: what a resumed run reuses.
  public func completedResults() throws -> [JournalKey: [UInt8]] {
    try read { db in
      var results: [JournalKey: [UInt8]] = [:]
      // Oldest first, so that newer runs overwrite older ones.
      try JournalSQL.query(
        db,
        """
        SELECT function, key_high, key_low, result FROM tasks
        WHERE state = 'succeeded' AND key_high IS NOT NULL AND result IS NOT NULL ORDER BY run, task_id
        """
      ) { row in
        guard let key = JournalSQL.key(row, 1) else { return }
        results[JournalKey(function: JournalSQL.text(row, 0) ?? "", key: key)] = JournalSQL.blob(row, 3) ?? []
      }
      return results
    }
  }

  /// Crash counts of (function, key): how many times an engine crashed
  /// while running it, from `beginRun()`'s markers. A count resets to 0
  /// (the key disappears) when a record for that key succeeds.
  public func crashCounts() throws -> [JournalKey: Int] {
    try read { db in
      var counts: [JournalKey: Int] = [:]
      try JournalSQL.query(db, "SELECT function, key_high, key_low, count FROM crashes WHERE count > 0") {
        row in
        guard let key = JournalSQL.key(row, 1) else { return }
        counts[JournalKey(function: JournalSQL.text(row, 0) ?? "", key: key)] = Int(
          JournalSQL.int(row, 3) ?? 0)
      }
      return counts
    }
  }

  /// The record of task `taskID` in run `run`; with no run, in the latest
  /// run that has that id. Nil when there is none.
  public func record(taskID: Int, run: Int? = nil) throws -> JournalRecord? {
    var sql = "SELECT \(JournalSQL.columns) FROM tasks WHERE task_id = ?"
    var values: [JournalSQL.Value] = [.int(Int64(taskID))]
    if let run {
      sql += " AND run = ?"
      values.append(.int(Int64(run)))
    }
    sql += " ORDER BY run DESC LIMIT 1"
    return try fetch(sql, values).first
  }

  /// The records that match every given filter, ordered by run and task id;
  /// `limit`: at most that many (the first ones in that order).
  public func records(
    state: TaskState? = nil, function: String? = nil, run: Int? = nil, limit: Int? = nil
  ) throws -> [JournalRecord] {
    var conditions: [String] = []
    var values: [JournalSQL.Value] = []
    if let state {
      conditions.append("state = ?")
      values.append(.text(state.rawValue))
    }
    if let function {
      conditions.append("function = ?")
      values.append(.text(function))
    }
    if let run {
      conditions.append("run = ?")
      values.append(.int(Int64(run)))
    }
    var sql = "SELECT \(JournalSQL.columns) FROM tasks"
    if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
    sql += " ORDER BY run, task_id"
    if let limit {
      sql += " LIMIT ?"
      values.append(.int(Int64(max(0, limit))))
    }
    return try fetch(sql, values)
  }

  /// Every run, oldest first: when it started, and when and how it ended
  /// (nil for a run that crashed or is still going).
  public func runs() throws -> [(run: Int, started: Date, ended: Date?, how: RunEnd?)] {
    try read { db in
      var runs: [(run: Int, started: Date, ended: Date?, how: RunEnd?)] = []
      try JournalSQL.query(db, "SELECT run, started, ended, how FROM runs ORDER BY run") { row in
        runs.append(
          (
            run: Int(JournalSQL.int(row, 0) ?? 0),
            started: Date(timeIntervalSince1970: JournalSQL.double(row, 1) ?? 0),
            ended: JournalSQL.double(row, 2).map(Date.init(timeIntervalSince1970:)), how: JournalSQL.text(row, 3).flatMap(RunEnd.init(rawValue:))
          ))
      }
      return runs
    }
  }

  /// Deletes the records completed before `date` (a record with no
  /// completion time counts by its start, else its submission); returns
  /// how many. Crash counts and runs stay.
  @discardableResult
  public func purge(before date: Date) throws -> Int {
    try checkOpen()
    try moveStaged()
    return try database {
      try pool.write { db -> Int in
        try db.execute(
          sql: "DELETE FROM tasks WHERE COALESCE(completed, started, submitted) < ?",
          arguments: [date.timeIntervalSinceReferenceDate])
        return db.changesCount
      }
    }
  }

  // MARK: - Helpers

  func checkOpen() throws {
    if closed.load(ordering: .acquiring) {
      throw JournalError.io(path: path, reason: "the journal is closed")
    }
  }

  /// Runs `body`, turning database errors into journal errors.
  func database<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as JournalError {
      throw error
    } catch let error as DatabaseError {
      throw JournalSchema.translate(error, path: path, opening: false)
    } catch {
      throw JournalError.io(path: path, reason: "\(error)")
    }
  }

  /// Flushes and moves what is staged, then reads on a reader connection
  /// (concurrent with the writer).
  private func read<T>(_ body: (Database) throws -> T) throws -> T {
    try checkOpen()
    try moveStaged()
    return try database { try pool.read(body) }
  }

  /// Runs `body` in an immediate transaction on the writer connection and
  /// commits it.
  private static func immediate<T>(_ pool: DatabasePool, _ body: (Database) throws -> T) throws -> T {
    try pool.writeWithoutTransaction { db in
      var value: T?
      try db.inTransaction(.immediate) {
        value = try body(db)
        return .commit
      }
      // Set above: a body that throws rolls back and throws past this line.
      return value!
    }
  }

  /// How many rows `tasks` and `staged` hold, read as they are (nothing is
  /// flushed or moved first).
  func rowCounts() throws -> (tasks: Int, staged: Int) {
    try database {
      try pool.read { db in
        (
          try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks") ?? 0,
          try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staged") ?? 0
        )
      }
    }
  }

  private func fetch(_ sql: String, _ values: [JournalSQL.Value]) throws -> [JournalRecord] {
    try read { db in
      var records: [JournalRecord] = []
      try JournalSQL.query(db, sql, values) { records.append(try JournalSQL.record($0, path: path)) }
      return records
    }
  }

  /// The crash markers in `crashMarkerPath`, counted per (function, key);
  /// nil when there is no marker file.
  private func readCrashMarkers() throws -> [JournalKey: Int]? {
    guard FileManager.default.fileExists(atPath: crashMarkerPath) else { return nil }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: crashMarkerPath))
    } catch {
      throw JournalError.io(path: crashMarkerPath, reason: "cannot read the crash markers: \(error)")
    }
    var counts: [JournalKey: Int] = [:]
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
      guard let tab = line.lastIndex(of: UInt8(ascii: "\t")), tab > line.startIndex else { continue }
      let function = String(decoding: line[line.startIndex..<tab], as: UTF8.self)
      guard let key = TaskKey(hex: String(decoding: line[(tab + 1)...], as: UTF8.self)) else { continue }
      counts[JournalKey(function: function, key: key), default: 0] += 1
    }
    return counts
  }
}
