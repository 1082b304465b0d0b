import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The journal's write-ahead log (`FILE-wal`, SQLite's WAL mode): keeping
/// the main file from silently losing the records that only the log holds.
///
/// While a journal is open its newest records live in the log until a
/// checkpoint copies them into the main file. A killed run leaves them
/// there, and the next open takes them from the log; a log that is missing
/// (the main file copied alone) or damaged would otherwise give SQLite an
/// older state without a word. Two guards catch that:
///
/// - The `wal_guard` row. Each checkpoint the journal makes sets it to 1
///   just before copying, so the main file reads 1, then, once every frame
///   is copied, sets it to 0 in the log. A main file that reads 1 with no
///   log beside it lost records; one that reads 0 was checkpointed since
///   (by SQLite closing the last connection, by a plain `sqlite3` reader),
///   so nothing is lost. SQLite's own checkpoint when the log passes a size
///   would copy a 0 into the main file while later commits stay in the log:
///   the journal turns it off (its connections count the log's frames
///   through SQLite's WAL hook instead, see ``LogLength``) and makes that
///   checkpoint itself (``checkpointIfLong(_:length:pages:)``), guard
///   first. Its checkpoints wait for the journal's readers to finish (a
///   pool barrier), so that they copy the whole log.
/// - The log's own checksums. SQLite stops reading a log at its first bad
///   frame and takes what follows as never written; a bad frame followed by
///   frames of the same log means those frames were committed and are now
///   lost, which `damage(in:)` reports.
///
/// A clean `Journal/close()` checkpoints everything and leaves the file in
/// rollback mode (`journal_mode = DELETE`), so that it is one file with no
/// `-wal` or `-shm` beside it: it can be copied alone, and a plain reader
/// sees every record.
enum JournalWAL {
  /// The log's path for the journal at `path`.
  static func logPath(_ path: String) -> String { path + "-wal" }

  /// The first bytes of a log: its magic number, the second for big-endian checksums.
  static let magic: ClosedRange<UInt32> = 0x377f_0682...0x377f_0683
  static let headerSize = 32
  static let frameHeaderSize = 24

  /// The number of frames in a journal's log after its last commit, as
  /// SQLite's WAL hook reports it on the journal's connections.
  final class LogLength: Sendable {
    let frames = Atomic<Int>(0)
  }

  /// Counts the frames of `db`'s log into `length` after each commit.
  /// SQLite's WAL hook takes the place of its automatic checkpoint, which
  /// is off on this connection from now on. `length` must outlive the
  /// connection (the pool's `prepareDatabase` closure holds it).
  static func count(_ db: Database, into length: LogLength) {
    sqlite3_wal_hook(
      db.sqliteConnection,
      { context, _, _, frames in
        guard let context else { return SQLITE_OK }
        Unmanaged<LogLength>.fromOpaque(context).takeUnretainedValue().frames.store(
          Int(frames), ordering: .relaxed)
        return SQLITE_OK
      }, Unmanaged.passUnretained(length).toOpaque())
  }

  /// Checkpoints the log when it holds `pages` frames or more (after a
  /// write; the journal's own take on SQLite's automatic checkpoint).
  static func checkpointIfLong(_ pool: DatabasePool, length: LogLength, pages: Int) throws {
    guard length.frames.load(ordering: .relaxed) >= pages else { return }
    try checkpoint(pool)
  }

  /// Checkpoints what the log holds into the main file with the guard armed
  /// there, then, when every frame was copied, disarms it in the log.
  /// Waits for the pool's readers to finish and keeps new ones out
  /// meanwhile, so that the copy is whole; a reader in another process can
  /// still hold it back, and then the guard stays armed.
  static func checkpoint(_ pool: DatabasePool) throws {
    try pool.barrierWriteWithoutTransaction { db in
      try db.execute(sql: "UPDATE wal_guard SET pending = 1")
      let (frames, copied) = try db.checkpoint(.passive)
      if copied >= frames { try db.execute(sql: "UPDATE wal_guard SET pending = 0") }
    }
  }

  /// After the journal's own connections closed: copies the log into the
  /// main file and leaves WAL mode, which removes `-wal` and `-shm`. When
  /// another process still has the file open the switch is refused
  /// (SQLITE_BUSY at once, no waiting); the file then stays in WAL mode,
  /// with the guard armed, for that process's close to settle.
  static func seal(path: String) throws {
    var configuration = GRDB.Configuration()
    configuration.busyMode = .immediateError
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    do {
      try queue.writeWithoutTransaction { db in
        _ = try db.checkpoint(.truncate)
        _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
      }
    } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
      // Open elsewhere: see above.
    }
    try queue.close()
  }

  /// Throws ``JournalError/incomplete(path:reason:)`` when the log of the
  /// journal at `path` is damaged. Reads the log only (a missing or empty
  /// log passes here; `checkGuard` judges those). Returns whether a log
  /// with frames is there.
  @discardableResult
  static func checkLog(path: String) throws -> Bool {
    let log = logPath(path)
    guard FileManager.default.fileExists(atPath: log) else { return false }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: log), options: .alwaysMapped)
    } catch {
      throw JournalError.io(path: log, reason: "cannot read the write-ahead log: \(error)")
    }
    if data.isEmpty { return false }
    if let damage = data.withUnsafeBytes({ damage(in: $0) }) {
      throw JournalError.incomplete(
        path: path, reason: "its write-ahead log \(log) is damaged (\(damage)), so records committed to it are lost")
    }
    return true
  }

  /// Throws ``JournalError/incomplete(path:reason:)`` when `db`, a journal
  /// in format 3 or later read without a log (`hasLog` false), says its log
  /// held records the main file lacks.
  static func checkGuard(_ db: Database, path: String, hasLog: Bool) throws {
    guard !hasLog, try Int.fetchOne(db, sql: "SELECT MAX(pending) FROM wal_guard") == 1 else { return }
    let run = try Int.fetchOne(db, sql: "SELECT MAX(run) FROM runs")
    throw JournalError.incomplete(
      path: path,
      reason: "a run that did not close\(run.map { " (run \($0) or later)" } ?? "") left records in its "
        + "write-ahead log \(logPath(path)), which is missing or empty; copy the journal with its -wal file, "
        + "or move the journal away to start afresh")
  }

  /// Why the log in `bytes` is damaged, or nil when it is whole: its
  /// header must be a log's with a good checksum, and no frame of this log
  /// (its salts the header's) may follow one whose checksum fails or whose
  /// salts differ. A bad last frame is a write cut short by a kill, whose
  /// transaction never committed, and passes.
  static func damage(in bytes: UnsafeRawBufferPointer) -> String? {
    guard bytes.count >= headerSize else {
      return "\(bytes.count) bytes, shorter than a log's \(headerSize)-byte header"
    }
    let word = { (offset: Int) in UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    guard magic.contains(word(0)) else { return "its header is not a write-ahead log's" }
    let bigEndian = word(0) & 1 == 1
    let pageSize = Int(word(8))
    guard pageSize >= 512, pageSize <= 65_536, pageSize & (pageSize - 1) == 0 else {
      return "its header names a page size of \(pageSize) bytes"
    }
    var sum = checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<24]), bigEndian: bigEndian, from: (0, 0))
    guard sum == (word(24), word(28)) else { return "its header's checksum does not match" }
    let salts = (word(16), word(20))
    let frameSize = frameHeaderSize + pageSize
    var frame = 0
    var firstBad: Int?
    var offset = headerSize
    while offset + frameSize <= bytes.count {
      let ofThisLog = (word(offset + 8), word(offset + 12)) == salts
      if let bad = firstBad {
        if ofThisLog { return "frame \(bad + 1) is bad, and frame \(frame + 1) of the same log follows it" }
      } else if !ofThisLog {
        firstBad = frame
      } else {
        sum = checksum(
          UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 8]), bigEndian: bigEndian, from: sum)
        sum = checksum(
          UnsafeRawBufferPointer(rebasing: bytes[offset + frameHeaderSize..<offset + frameSize]),
          bigEndian: bigEndian, from: sum)
        if sum != (word(offset + 16), word(offset + 20)) { firstBad = frame }
      }
      offset += frameSize
      frame += 1
    }
    return nil
  }

  /// SQLite's log checksum of `bytes` (a multiple of 8 long), continued from `sum`.
  static func checksum(
    _ bytes: UnsafeRawBufferPointer, bigEndian: Bool, from sum: (UInt32, UInt32)
  ) -> (UInt32, UInt32) {
    var (s0, s1) = sum
    var offset = 0
    while offset + 8 <= bytes.count {
      var x0 = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
      var x1 = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
      if bigEndian {
        x0 = UInt32(bigEndian: x0)
        x1 = UInt32(bigEndian: x1)
      } else {
        x0 = UInt32(littleEndian: x0)
        x1 = UInt32(littleEndian: x1)
      }
      s0 = s0 &+ x0 &+ s1
      s1 = s1 &+ x1 &+ s0
      offset += 8
    }
    return (s0, s1)
  }
}
