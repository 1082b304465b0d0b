import Foundation
import GRDB

extension Journal {
  /// Deletes the records of tasks `taskIDs` of run `run` (the latest run
  /// when nil), as IPython's `purge_results(jobs)`; returns how many were
  /// deleted. A resumed run then runs those tasks again instead of reusing
  /// their results. Crash counts and runs stay.
  @discardableResult
  public func purge(taskIDs: [Int], run: Int? = nil) throws -> Int {
    try checkOpen()
    try moveStaged()
    guard !taskIDs.isEmpty else { return 0 }
    let run = try run ?? runs().map(\.run).max() ?? 0
    return try database {
      try pool.write { db -> Int in
        var deleted = 0
        // In slices: SQLite limits the number of bound values in one statement.
        for start in stride(from: 0, to: taskIDs.count, by: 500) {
          let slice = taskIDs[start..<Swift.min(taskIDs.count, start + 500)]
          try db.execute(
            sql: "DELETE FROM tasks WHERE run = ? AND task_id IN (\(slice.map { _ in "?" }.joined(separator: ",")))",
            arguments: StatementArguments([run] + Array(slice)))
          deleted += db.changesCount
        }
        return deleted
      }
    }
  }
}
