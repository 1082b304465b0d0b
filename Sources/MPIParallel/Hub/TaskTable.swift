import Foundation
import Synchronization

/// Where a task stands.
public enum TaskState: String, Sendable, Codable {
  /// Not started: waiting in the hub for an engine, or sent to one
  /// (``TaskRecord/engineID`` names it) and waiting there behind the
  /// requests sent to it before.
  case queued
  /// Started on its engine, not answered yet. An engine takes its requests
  /// in order, so the hub marks a task running once the engine has answered
  /// every request sent to it before (or at once, when it holds none): a
  /// task waiting behind others is never reported running. A task sent
  /// with others in a bundle (high-water mark above 1) may still show
  /// queued after it started, until the engine sends the replies of the
  /// ones before it (it sends a bundle's replies a few at a time).
  case running
  /// Answered with a result.
  case succeeded
  /// Answered with an error.
  case failed
  /// Aborted before it started.
  case aborted
}

/// The hub's record of one task: what ran where and when.
public struct TaskRecord: Sendable, Equatable {
  public let id: Int
  /// The remote function, or the namespace operation (`push`, `scatter('a')`, ...).
  public let function: String
  /// The engine it was sent to (nil while it waits in the hub, or when it
  /// never left it). A task aborted while it waited on an engine names that
  /// engine here; its ``TaskMetadata/engineID`` is nil, as it ran nowhere.
  public let engineID: Int?
  public let state: TaskState
  public let submitted: Date
  public let started: Date?
  public let completed: Date?

  /// completed - started, in seconds, once finished.
  public var elapsed: Double? {
    guard let started, let completed else { return nil }
    return completed.timeIntervalSince(started)
  }
}

/// Every task the hub has seen, indexed by id (ids are dense from 1). The
/// driver allocates ids when it submits; the hub updates state and times.
final class TaskTable: Sendable {
  private struct Row {
    var function: String
    var engine: Int32 = -1
    var state: TaskState = .queued
    var submitted: Double
    var started: Double = 0
    var completed: Double = 0
  }

  /// The rows, in a mutex stored inline (a futex: cheaper per task than a
  /// pthread mutex, and no dynamic exclusivity checks).
  private let lock = Mutex<[Row]>([])

  /// Allocates `count` consecutive ids for tasks of `function`, submitted at `now` (seconds since 1970).
  func allocate(function: String, count: Int, at now: Double = MonotonicClock.wallNow()) -> Range<Int> {
    lock.withLock { rows in
      let first = rows.count + 1
      // Grow geometrically: reserving exactly what is needed would copy the table each time.
      if rows.capacity < rows.count + count {
        rows.reserveCapacity(Swift.max(2 * rows.capacity, rows.count + count))
      }
      for _ in 0..<count { rows.append(Row(function: function, submitted: now)) }
      return first..<(first + count)
    }
  }

  func markRunning(_ id: Int, engine: Int) {
    lock.withLock { rows in
      rows[id - 1].engine = Int32(engine)
      rows[id - 1].state = .running
    }
  }

  /// Marks a task sent to `engine`: running when it `starts` there at once
  /// (the engine holds nothing sent before it), else queued on that engine.
  func markSent(_ id: Int, engine: Int, starts: Bool) {
    lock.withLock { rows in
      rows[id - 1].engine = Int32(engine)
      rows[id - 1].state = starts ? .running : .queued
    }
  }

  /// Marks a task finished, and task `startedNext` (0: none), the one its
  /// engine takes next, running: in the same lock.
  func markFinished(_ id: Int, state: TaskState, started: Double, completed: Double, startedNext: Int = 0) {
    lock.withLock { rows in
      rows[id - 1].state = state
      rows[id - 1].started = started
      rows[id - 1].completed = completed
      if startedNext > 0 { rows[startedNext - 1].state = .running }
    }
  }

  /// Where a task stands (nil for an unknown id).
  func state(of id: Int) -> TaskState? {
    lock.withLock { rows in id >= 1 && id <= rows.count ? rows[id - 1].state : nil }
  }

  var count: Int { lock.withLock { $0.count } }

  /// The tasks marked running on engine `engine`, oldest first (a scan: for
  /// explaining an engine's death, not for the loop).
  func running(onEngine engine: Int) -> [Int] {
    lock.withLock { rows in
      rows.indices.filter { rows[$0].state == .running && rows[$0].engine == Int32(engine) }.map { $0 + 1 }
    }
  }

  /// The function (or operation) of a task.
  func function(of id: Int) -> String {
    lock.withLock { rows in id >= 1 && id <= rows.count ? rows[id - 1].function : "?" }
  }

  /// Marks a task queued in the hub again (a retry, a try on another
  /// engine, or a lost engine's task): on no engine.
  func markQueued(_ id: Int) {
    lock.withLock { rows in
      rows[id - 1].state = .queued
      rows[id - 1].engine = -1
    }
  }

  /// What a dependency sees of these tasks.
  func facts(_ ids: Set<Int>) -> [Int: DependencyFact] {
    lock.withLock { rows in
      var facts: [Int: DependencyFact] = [:]
      for id in ids {
        guard id >= 1 && id <= rows.count else {
          facts[id] = DependencyFact(known: false, finished: false, succeeded: false, engine: nil)
          continue
        }
        let row = rows[id - 1]
        let finished = row.state == .succeeded || row.state == .failed || row.state == .aborted
        facts[id] = DependencyFact(
          known: true, finished: finished, succeeded: row.state == .succeeded,
          engine: row.engine >= 0 && finished ? Int(row.engine) : nil)
      }
      return facts
    }
  }

  func record(_ id: Int) -> TaskRecord? {
    lock.withLock { rows in id >= 1 && id <= rows.count ? Self.record(id, rows[id - 1]) : nil }
  }

  func all() -> [TaskRecord] {
    lock.withLock { rows in rows.enumerated().map { Self.record($0.offset + 1, $0.element) } }
  }

  private static func record(_ id: Int, _ row: Row) -> TaskRecord {
    TaskRecord(
      id: id, function: row.function, engineID: row.engine >= 0 ? Int(row.engine) : nil, state: row.state,
      submitted: Date(timeIntervalSince1970: row.submitted),
      started: row.started > 0 ? Date(timeIntervalSince1970: row.started) : nil,
      completed: row.completed > 0 ? Date(timeIntervalSince1970: row.completed) : nil)
  }
}
