import Synchronization

/// The load-balanced submissions whose results the driver still holds, by
/// their first task id: what `Client.resubmit(taskIDs:)` and
/// `Client.result(taskID:)` find a task by. A result adds its entry when
/// submitted and removes it when released, so an entry never outlives the
/// inputs its result keeps (a submission costs one insertion, nothing per task).
final class ResubmitRegistry: Sendable {
  struct Entry: Sendable {
    let taskIDs: Range<Int>
    let state: ResultState
    /// The element type's name, for the error when another is asked for.
    let typeName: String
    /// Submits tasks again: chunk indices of the submission (task id minus
    /// its first), giving the new `AsyncMapResult` of those chunks.
    let resubmit: @Sendable ([Int]) throws -> AnyObject
  }

  private let entries = Mutex<[Int: Entry]>([:])

  func add(_ entry: Entry) {
    guard !entry.taskIDs.isEmpty else { return }
    entries.withLock { $0[entry.taskIDs.lowerBound] = entry }
  }

  func remove(firstTaskID: Int) {
    _ = entries.withLock { $0.removeValue(forKey: firstTaskID) }
  }

  /// The entry holding task `id` (a scan: on request, not per task).
  func entry(holding id: Int) -> Entry? {
    entries.withLock { entries in entries.values.first { $0.taskIDs.contains(id) } }
  }
}
