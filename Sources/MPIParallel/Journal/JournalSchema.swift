import Foundation
import GRDB

/// The journal's file format, and the checks that keep the journal from
/// touching a file that is not one.
///
/// A journal is an SQLite database in WAL mode whose header carries
/// `PRAGMA application_id` = ``applicationID`` ("MPPJ") and
/// `PRAGMA user_version` = the format ``version``. Its tables:
///
/// - `runs(run INTEGER PRIMARY KEY, started REAL, ended REAL, how TEXT)`:
///   one row per run of the program; `ended` and `how` stay NULL for a run
///   that crashed (or is still going). Its times are Unix times (seconds
///   since 1970-01-01 00:00:00 UTC), as SQLite's `datetime(started, 'unixepoch')`
///   reads them.
/// - `tasks(run, task_id, function, key_high, key_low, engine, state,
///   submitted, started, completed, error, result BLOB)`, primary key
///   `(run, task_id)`: one row per finished task. `key_high`/`key_low` are
///   the ``TaskKey`` halves as Int64 bit patterns (NULL when the task has no
///   key); `state` is the ``TaskState`` raw value. There is deliberately no
///   index on `(function, key_high, key_low)`: resume reads every success
///   once (`Journal.completedResults()`, a scan), while keeping such an
///   index costs each insert a write at a random place in a large B-tree
///   (measured: 200,000 records took 2.6 s with it, 0.4 s without).
/// - `crashes(function, key_high, key_low, count)`: how many times a task
///   was running on an engine that crashed.
/// - `staged(batch INTEGER PRIMARY KEY, count, records BLOB)`: batches of
///   records committed by the writer and not yet moved into `tasks`, each
///   packed into one blob (format in `JournalBatch`); see `JournalStaging`.
///   Reading through `Journal` moves them first, so a reader sees them in
///   `tasks`; a plain SQLite reader sees there only what was moved.
///
/// - `wal_guard(pending INTEGER)`, one row: 1 in the main file while the
///   write-ahead log may hold records the main file lacks, 0 once they are
///   all in it; `JournalWAL` keeps it and checks it when the file is opened.
///
/// Format 1 had no `staged` table; formats 1 and 2 had no `wal_guard` and
/// kept `runs` times in seconds since 2001. An older journal is brought to
/// format 3 (the tables added, its `runs` times turned into Unix times) when
/// it is first opened for writing.
///
/// The times of `tasks` are REAL seconds since 2001-01-01 00:00:00 UTC
/// (Foundation's reference date, so that a record's `Date`s round-trip
/// exactly and the writer binds them as they are); add 978307200 for Unix
/// time.
enum JournalSchema {
  /// `PRAGMA application_id` of every journal: "MPPJ" in ASCII.
  static let applicationID: Int32 = 0x4d50_504a
  /// The format version in `PRAGMA user_version`.
  static let version = 3

  /// Seconds from 1970-01-01 to 2001-01-01 (UTC): what turns a format 2
  /// `runs` time into a Unix time.
  static let referenceDateOffset = Date.timeIntervalBetween1970AndReferenceDate

  /// The 16 bytes every SQLite database starts with.
  static let sqliteMagic: [UInt8] = Array("SQLite format 3\0".utf8)

  static let createSQL = """
    CREATE TABLE runs (
      run INTEGER PRIMARY KEY,
      started REAL NOT NULL,
      ended REAL,
      how TEXT
    );
    CREATE TABLE tasks (
      run INTEGER NOT NULL,
      task_id INTEGER NOT NULL,
      function TEXT NOT NULL,
      key_high INTEGER,
      key_low INTEGER,
      engine INTEGER,
      state TEXT NOT NULL,
      submitted REAL NOT NULL,
      started REAL,
      completed REAL,
      error TEXT,
      result BLOB,
      PRIMARY KEY (run, task_id)
    );
    CREATE TABLE crashes (
      function TEXT NOT NULL,
      key_high INTEGER NOT NULL,
      key_low INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (function, key_high, key_low)
    );
    """ + stagedSQL + guardSQL

  /// The table format 2 adds.
  static let stagedSQL = """
    CREATE TABLE staged (
      batch INTEGER PRIMARY KEY,
      count INTEGER NOT NULL,
      records BLOB NOT NULL
    );
    """

  /// The table format 3 adds.
  static let guardSQL = """
    CREATE TABLE wal_guard (pending INTEGER NOT NULL);
    INSERT INTO wal_guard (pending) VALUES (0);
    """

  /// Format 3's `runs` times from an older format's.
  static let unixTimesSQL = """
    UPDATE runs SET started = started + \(referenceDateOffset), ended = ended + \(referenceDateOffset);
    """

  /// Looks at an existing file before anything opens it for writing, and
  /// throws when it is not a journal (or an empty database) this version
  /// can use, or when its write-ahead log lost records (`JournalWAL`). A
  /// missing file passes (it will be created). Nothing here
  /// writes to the file: the header is read as plain bytes, and only a file
  /// that starts like SQLite is then opened, in a connection that only reads.
  static func inspect(path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
    if isDirectory.boolValue { throw JournalError.io(path: path, reason: "it is a directory") }
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw JournalError.io(path: path, reason: "cannot open it for reading")
    }
    let header: Data
    do {
      defer { try? handle.close() }
      header = try handle.read(upToCount: 100) ?? Data()
    } catch {
      throw JournalError.io(path: path, reason: "cannot read it: \(error)")
    }
    if !header.isEmpty {
      guard header.count >= 100, Array(header.prefix(16)) == sqliteMagic else {
        throw JournalError.notAJournal(path: path, reason: "not an SQLite database (no SQLite header)")
      }
      // The header's application_id (bytes 68-71, big-endian). A journal
      // whose first pages are still in the WAL can read 0 here; SQLite
      // settles that below.
      let id = header[68..<72].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      if id != 0 && Int32(bitPattern: id) != applicationID {
        throw JournalError.notAJournal(
          path: path, reason: "another program's SQLite database (application_id 0x\(String(id, radix: 16)))")
      }
    }
    // The log first, before any connection reads it (SQLite would take a
    // damaged log's good part as the whole).
    let hasLog = try JournalWAL.checkLog(path: path)
    var configuration = GRDB.Configuration()
    configuration.readonly = true
    do {
      let queue = try DatabaseQueue(path: path, configuration: configuration)
      defer { try? queue.close() }
      try queue.read { db in
        if try format(of: db, path: path) >= 3 { try JournalWAL.checkGuard(db, path: path, hasLog: hasLog) }
      }
    } catch let error as JournalError {
      throw error
    } catch let error as DatabaseError {
      throw translate(error, path: path, opening: true)
    } catch {
      throw JournalError.io(path: path, reason: "\(error)")
    }
  }

  /// The format of the journal `db` (1 or ``version``), or 0 for an empty
  /// database; throws for anything else.
  @discardableResult
  static func format(of db: Database, path: String) throws -> Int {
    let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
    let format = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
    let tables = try String.fetchAll(
      db, sql: "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
    if id == applicationID {
      if format > version { throw JournalError.newerFormat(path: path, version: format) }
      guard format >= 1 else {
        throw JournalError.notAJournal(path: path, reason: "journal format \(format) is unknown")
      }
      return format
    }
    if id == 0 && format == 0 && tables.isEmpty { return 0 }
    var reason = "another SQLite database"
    if id != 0 { reason += ", application_id 0x\(String(UInt32(bitPattern: id), radix: 16))" }
    if !tables.isEmpty { reason += ", tables \(tables.prefix(5).joined(separator: ", "))" }
    throw JournalError.notAJournal(path: path, reason: reason)
  }

  /// Checks `db` again inside the writer's transaction; creates the schema
  /// when it is an empty database, and brings an older journal to ``version``
  /// (in the same transaction: a failure leaves it in its old format).
  static func prepare(_ db: Database, path: String) throws {
    let format = try format(of: db, path: path)
    switch format {
    case version:
      return
    case 0:
      try db.execute(sql: "PRAGMA application_id = \(applicationID)")
      try db.execute(sql: createSQL)
    default:
      if format < 2 { try db.execute(sql: stagedSQL) }
      try db.execute(sql: guardSQL)
      try db.execute(sql: unixTimesSQL)
    }
    try db.execute(sql: "PRAGMA user_version = \(version)")
  }

  /// A journal error for an SQLite error; `opening`: while checking whether
  /// the file is a journal at all, where a corrupt file means "not a journal".
  static func translate(_ error: DatabaseError, path: String, opening: Bool) -> JournalError {
    if opening && (error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT) {
      return .notAJournal(path: path, reason: "not a usable SQLite database (\(error.message ?? "\(error)"))")
    }
    return .io(path: path, reason: error.message ?? "\(error)")
  }
}
