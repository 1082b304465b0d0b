import Foundation
import GRDB
import GRDBSQLite

/// The journal's `staged` table: the writer commits each batch of records
/// there as one row (its records packed by `JournalBatch`), which costs a
/// few hundred instructions a record instead of the several thousand of an
/// indexed row in `tasks`; the batches are moved into `tasks` later, when the
/// writer has nothing else to do and before anything reads the journal.
///
/// A staged record is as durable as one in `tasks` (the same commit), so a
/// result the hub delivers after its batch is staged survives the job being
/// killed; the next `Journal` on the file moves it into `tasks` when it opens.
enum JournalStaging {
  static let stageSQL = "INSERT INTO staged (count, records) VALUES (?, ?)"
  static let selectSQL =
    "SELECT batch, count, records FROM staged WHERE batch >= ? AND batch <= ? ORDER BY batch LIMIT 1"
  static let deleteSQL = "DELETE FROM staged WHERE batch <= ?"

  /// Batches moved into `tasks` per transaction: usually at most 2,000
  /// records each (`JournalWriter.batchLimit`; more when records piled up
  /// while the writer was busy), one batch in memory at a time, however
  /// many are staged.
  static let batchesPerMove = 4

  /// Stores `batch` as one staged row (the caller holds a transaction).
  static func stage(_ batch: JournalBatch, into db: Database) throws {
    guard batch.count > 0 else { return }
    let statement = try db.cachedStatement(sql: stageSQL).sqliteStatement
    // The blob is bound without SQLite's copy; the binding is cleared
    // before the batch can change.
    defer { sqlite3_clear_bindings(statement) }
    sqlite3_bind_int64(statement, 1, Int64(batch.count))
    let bytes = batch.bytes
    let code = sqlite3_bind_blob(statement, 2, bytes.baseAddress, Int32(bytes.count), nil)
    guard code == SQLITE_OK else { throw JournalSQL.failure(code, db) }
    try JournalSQL.step(statement, db)
  }

  /// The newest staged batch's number; nil when nothing is staged.
  static func newest(_ db: Database) throws -> Int64? {
    var newest: Int64?
    try JournalSQL.query(db, "SELECT MAX(batch) FROM staged") { newest = JournalSQL.int($0, 0) }
    return newest
  }

  /// Moves the oldest staged batches, up to ``batchesPerMove`` and none
  /// newer than `last`, into `tasks`, in the order they were staged (the
  /// caller holds a transaction). Returns how many records moved (0: none
  /// are staged up to `last`). A damaged batch throws
  /// ``JournalError/io(path:reason:)`` and, with the transaction rolled
  /// back, stays staged.
  static func move(_ db: Database, through last: Int64, path: String) throws -> Int {
    var rows: [JournalBatchReader.Fields] = []
    var blob: [UInt8] = []
    var moved = 0
    var newest: Int64?
    for _ in 0..<batchesPerMove {
      // One batch at a time, its blob copied out and the query finished
      // before the inserts: with a query still running, SQLite gives each
      // insert a statement journal (measured: about a third more
      // instructions a record).
      var count = 0
      var found: Int64?
      try JournalSQL.query(db, selectSQL, [.int(newest.map { $0 + 1 } ?? Int64.min), .int(last)]) { row in
        found = sqlite3_column_int64(row, 0)
        count = Int(sqlite3_column_int64(row, 1))
        let bytes = UnsafeRawBufferPointer(
          start: sqlite3_column_blob(row, 2), count: Int(sqlite3_column_bytes(row, 2)))
        blob.removeAll(keepingCapacity: true)
        blob.append(contentsOf: bytes)
      }
      guard let batch = found else { break }
      try blob.withUnsafeBytes { bytes in
        rows.removeAll(keepingCapacity: true)
        try JournalBatchReader.forEach(in: bytes, count: count, path: path, batch: batch) { rows.append($0) }
        try JournalSQL.insert(rows, into: db)
      }
      moved += max(rows.count, 1)  // a batch of no records still had a row to delete
      newest = batch
    }
    guard let newest else { return 0 }
    let delete = try db.cachedStatement(sql: deleteSQL).sqliteStatement
    sqlite3_bind_int64(delete, 1, newest)
    try JournalSQL.step(delete, db)
    return moved
  }
}
