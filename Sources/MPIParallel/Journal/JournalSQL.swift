import Foundation
import GRDB
import GRDBSQLite

/// The journal's statements, bound and read through the SQLite C API on
/// GRDB's prepared statements: one prepared statement per batch, no
/// per-value boxing, so writing a record costs a few microseconds.
enum JournalSQL {
  /// SQLite copies bound text and blobs before the bind call returns.
  static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

  /// A value bound to a `?` of a query.
  enum Value {
    case int(Int64)
    case double(Double)
    case text(String)
  }

  static let columns =
    "run, task_id, function, key_high, key_low, engine, state, submitted, started, completed, error, result"

  /// Records per insert statement. One statement of several rows shares
  /// its fixed cost (its cursor on the table, its transaction check, its
  /// halt) among them: writing 200,000 records took about 14,400
  /// instructions a record one row per statement and about 9,000 sixteen
  /// rows per statement (callgrind, a C program against the same SQLite and
  /// schema).
  static let rowsPerInsert = 16

  static let insertSQL = insertSQL(rows: 1)
  static let groupInsertSQL = insertSQL(rows: rowsPerInsert)

  /// `INSERT OR REPLACE` of `rows` rows of the twelve ``columns``.
  static func insertSQL(rows: Int) -> String {
    let row = "(" + Array(repeating: "?", count: 12).joined(separator: ", ") + ")"
    return "INSERT OR REPLACE INTO tasks (\(columns)) VALUES "
      + Array(repeating: row, count: rows).joined(separator: ", ")
  }

  static let resetCrashSQL = "DELETE FROM crashes WHERE function = ? AND key_high = ? AND key_low = ?"

  /// Writes `rows` (the caller holds a transaction), ``rowsPerInsert`` to
  /// a statement while that many are left, then one at a time. Their texts
  /// and results are bound where they are, without SQLite's copy: the
  /// memory they point to must stay as it is until this returns.
  static func insert(_ rows: [JournalBatchReader.Fields], into db: Database) throws {
    // Cached statements: the database keeps them (and their SQLite
    // statements) alive, and the next batch reuses them.
    let group = try db.cachedStatement(sql: groupInsertSQL).sqliteStatement
    let single = try db.cachedStatement(sql: insertSQL).sqliteStatement
    // No binding may outlive the memory it points to.
    defer {
      sqlite3_clear_bindings(group)
      sqlite3_clear_bindings(single)
    }
    var start = 0
    while start < rows.count {
      let count = rows.count - start >= rowsPerInsert ? rowsPerInsert : 1
      let statement = count == 1 ? single : group
      for index in 0..<count { try bind(rows[start + index], at: Int32(index * 12 + 1), to: statement) }
      try step(statement, db)
      start += count
    }
    // A success clears its key's crash count: skip the statement entirely
    // when no crashes were ever recorded (the usual case).
    guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM crashes)") == true else { return }
    let reset = try db.cachedStatement(sql: resetCrashSQL).sqliteStatement
    defer { sqlite3_clear_bindings(reset) }
    for row in rows where row.state == .succeeded {
      guard let key = row.key else { continue }
      try bindText(row.function, at: 1, reset)
      sqlite3_bind_int64(reset, 2, Int64(bitPattern: key.high))
      sqlite3_bind_int64(reset, 3, Int64(bitPattern: key.low))
      try step(reset, db)
    }
  }

  /// Binds one record to the twelve parameters from `first` on.
  private static func bind(
    _ row: JournalBatchReader.Fields, at first: Int32, to statement: SQLiteStatement
  ) throws {
    sqlite3_bind_int64(statement, first, Int64(row.run))
    sqlite3_bind_int64(statement, first + 1, Int64(row.taskID))
    try bindText(row.function, at: first + 2, statement)
    if let key = row.key {
      sqlite3_bind_int64(statement, first + 3, Int64(bitPattern: key.high))
      sqlite3_bind_int64(statement, first + 4, Int64(bitPattern: key.low))
    } else {
      sqlite3_bind_null(statement, first + 3)
      sqlite3_bind_null(statement, first + 4)
    }
    if let engine = row.engineID {
      sqlite3_bind_int64(statement, first + 5, Int64(engine))
    } else {
      sqlite3_bind_null(statement, first + 5)
    }
    bindState(row.state, at: first + 6, statement)
    sqlite3_bind_double(statement, first + 7, row.submitted)
    bindTime(row.started, at: first + 8, statement)
    bindTime(row.completed, at: first + 9, statement)
    if let error = row.error {
      try bindText(error, at: first + 10, statement)
    } else {
      sqlite3_bind_null(statement, first + 10)
    }
    if let result = row.result {
      // An empty result binds a zero-length blob, not NULL.
      let code =
        if let base = result.baseAddress, result.count > 0 {
          sqlite3_bind_blob(statement, first + 11, base, Int32(result.count), nil)
        } else {
          sqlite3_bind_zeroblob(statement, first + 11, 0)
        }
      guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
    } else {
      sqlite3_bind_null(statement, first + 11)
    }
  }

  /// Binds UTF-8 bytes as text where they are, without a copy; an empty
  /// text is "", not NULL.
  private static func bindText(
    _ text: UnsafeRawBufferPointer, at index: Int32, _ statement: SQLiteStatement
  ) throws {
    let code =
      if let base = text.baseAddress, text.count > 0 {
        sqlite3_bind_text(statement, index, base.assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
      } else {
        sqlite3_bind_text(statement, index, "", 0, transient)
      }
    guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
  }

  static func bindText(_ text: String, at index: Int32, _ statement: SQLiteStatement) throws {
    var text = text
    let code = text.withUTF8 { utf8 -> Int32 in
      guard let base = utf8.baseAddress, utf8.count > 0 else {
        return sqlite3_bind_text(statement, index, "", 0, transient)
      }
      return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
        sqlite3_bind_text(statement, index, $0, Int32(utf8.count), transient)
      }
    }
    guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
  }

  /// Binds a state's name from the program's constant text (no copy by SQLite).
  static func bindState(_ state: TaskState, at index: Int32, _ statement: SQLiteStatement) {
    let name: StaticString
    switch state {
    case .queued: name = "queued"
    case .running: name = "running"
    case .succeeded: name = "succeeded"
    case .failed: name = "failed"
    case .aborted: name = "aborted"
    }
    name.utf8Start.withMemoryRebound(to: CChar.self, capacity: name.utf8CodeUnitCount) {
      _ = sqlite3_bind_text(statement, index, $0, Int32(name.utf8CodeUnitCount), nil)
    }
  }

  /// Binds a time (seconds since 2001), or NULL.
  static func bindTime(_ time: Double?, at index: Int32, _ statement: SQLiteStatement) {
    if let time {
      sqlite3_bind_double(statement, index, time)
    } else {
      sqlite3_bind_null(statement, index)
    }
  }

  static func bind(_ values: [Value], to statement: SQLiteStatement) throws {
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      switch value {
      case .int(let int): sqlite3_bind_int64(statement, index, int)
      case .double(let double): sqlite3_bind_double(statement, index, double)
      case .text(let text): try bindText(text, at: index, statement)
      }
    }
  }

  /// Runs a statement that returns no rows, then resets it for the next use.
  static func step(_ statement: SQLiteStatement, _ db: Database) throws {
    let code = sqlite3_step(statement)
    sqlite3_reset(statement)
    guard code == SQLITE_DONE else { throw failure(code, db) }
  }

  static func failure(_ code: Int32, _ db: Database) -> DatabaseError {
    let message = db.sqliteConnection.map { String(cString: sqlite3_errmsg($0)) }
    return DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
  }

  /// Runs a query and calls `body` for each row, positioned on it.
  static func query(
    _ db: Database, _ sql: String, _ values: [Value] = [], _ body: (SQLiteStatement) throws -> Void
  ) throws {
    let prepared = try db.makeStatement(sql: sql)
    try withExtendedLifetime(prepared) { try run(prepared.sqliteStatement, values, db, body) }
  }

  private static func run(
    _ statement: SQLiteStatement, _ values: [Value], _ db: Database, _ body: (SQLiteStatement) throws -> Void
  ) throws {
    try bind(values, to: statement)
    while true {
      let code = sqlite3_step(statement)
      if code == SQLITE_DONE { break }
      guard code == SQLITE_ROW else {
        sqlite3_reset(statement)
        throw failure(code, db)
      }
      try body(statement)
    }
    sqlite3_reset(statement)
  }

  static func isNull(_ statement: SQLiteStatement, _ column: Int32) -> Bool {
    sqlite3_column_type(statement, column) == SQLITE_NULL
  }

  static func int(_ statement: SQLiteStatement, _ column: Int32) -> Int64? {
    isNull(statement, column) ? nil : sqlite3_column_int64(statement, column)
  }

  static func double(_ statement: SQLiteStatement, _ column: Int32) -> Double? {
    isNull(statement, column) ? nil : sqlite3_column_double(statement, column)
  }

  static func text(_ statement: SQLiteStatement, _ column: Int32) -> String? {
    guard !isNull(statement, column), let text = sqlite3_column_text(statement, column) else { return nil }
    let count = Int(sqlite3_column_bytes(statement, column))
    return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
  }

  static func blob(_ statement: SQLiteStatement, _ column: Int32) -> [UInt8]? {
    guard !isNull(statement, column) else { return nil }
    let base = sqlite3_column_blob(statement, column)
    let count = Int(sqlite3_column_bytes(statement, column))
    guard let base, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: base, count: count))
  }

  static func date(_ statement: SQLiteStatement, _ column: Int32) -> Date? {
    double(statement, column).map { Date(timeIntervalSinceReferenceDate: $0) }
  }

  /// The key in columns `column` and `column + 1` (NULL: no key).
  static func key(_ statement: SQLiteStatement, _ column: Int32) -> TaskKey? {
    guard let high = int(statement, column), let low = int(statement, column + 1) else { return nil }
    return TaskKey(high: UInt64(bitPattern: high), low: UInt64(bitPattern: low))
  }

  /// The record the statement is positioned on (its columns are ``columns``).
  static func record(_ statement: SQLiteStatement, path: String) throws -> JournalRecord {
    let stateText = text(statement, 6) ?? ""
    guard let state = TaskState(rawValue: stateText) else {
      throw JournalError.io(path: path, reason: "a task row has the unknown state '\(stateText)'")
    }
    return JournalRecord(
      run: Int(sqlite3_column_int64(statement, 0)), taskID: Int(sqlite3_column_int64(statement, 1)),
      function: text(statement, 2) ?? "", key: key(statement, 3), engineID: int(statement, 5).map { Int($0) },
      state: state, submitted: Date(timeIntervalSinceReferenceDate: sqlite3_column_double(statement, 7)),
      started: date(statement, 8), completed: date(statement, 9), error: text(statement, 10),
      result: blob(statement, 11))
  }
}
