import Foundation
import GRDB

/// An engine that left the job while it ran: lost or retired.
public struct EngineEvent: Sendable, Equatable, CustomStringConvertible {
  public let run: Int
  public let engine: Int
  public let rank: Int
  public let host: String
  /// "lost" or "retired".
  public let event: String
  public let at: Date
  /// For a lost engine: why, and what it was running.
  public let detail: String

  public init(run: Int, engine: Int, rank: Int, host: String, event: String, at: Date, detail: String) {
    self.run = run
    self.engine = engine
    self.rank = rank
    self.host = host
    self.event = event
    self.at = at
    self.detail = detail
  }

  public var description: String {
    "run \(run): engine \(engine) (rank \(rank), host \(host)) \(event) at \(ISO8601DateFormatter().string(from: at))"
      + (detail.isEmpty ? "" : ": \(detail)")
  }
}

/// The journal's record of engines lost or retired, in the table
/// `engine_events(run, engine, rank, host, event, at, detail)` (`at` in Unix
/// time), created with its first row: a journal of a run that lost no engine
/// has no such table, and reads as having no events.
extension Journal {
  private static let createEventsSQL = """
    CREATE TABLE IF NOT EXISTS engine_events (
      run INTEGER NOT NULL, engine INTEGER NOT NULL, rank INTEGER NOT NULL, host TEXT NOT NULL,
      event TEXT NOT NULL, at REAL NOT NULL, detail TEXT NOT NULL)
    """

  /// Writes `event` at once (engines leave rarely; the record must not wait for a batch).
  public func record(_ event: EngineEvent) throws {
    try checkOpen()
    try database {
      try pool.write { db in
        try db.execute(sql: Self.createEventsSQL)
        try db.execute(
          sql: "INSERT INTO engine_events (run, engine, rank, host, event, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
          arguments: [
            event.run, event.engine, event.rank, event.host, event.event, event.at.timeIntervalSince1970,
            event.detail,
          ])
      }
    }
  }

  /// The engines lost or retired in run `run` (every run when nil), in order.
  public func engineEvents(run: Int? = nil) throws -> [EngineEvent] {
    try checkOpen()
    return try database {
      try pool.read { db in
        guard try db.tableExists("engine_events") else { return [] }
        var sql = "SELECT run, engine, rank, host, event, at, detail FROM engine_events"
        var arguments: StatementArguments = []
        if let run {
          sql += " WHERE run = ?"
          arguments = [run]
        }
        sql += " ORDER BY run, at"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
          EngineEvent(
            run: row[0], engine: row[1], rank: row[2], host: row[3], event: row[4],
            at: Date(timeIntervalSince1970: row[5]), detail: row[6])
        }
      }
    }
  }
}
