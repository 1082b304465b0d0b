import Foundation
import Synchronization

/// Every engine the job has had and where each stands: written by the hub's
/// loop as engines are lost or retired, read by the driver's threads
/// (`Client.ids`, `Client.engines`) and by the liveness watch's thread.
final class EngineRoster: Sendable {
  private struct Entry {
    var info: EngineInfo
    var state: EngineState = .up
  }

  private let entries: Mutex<[Entry]>
  /// How many engines the job has had (read without the lock, on every call a view makes).
  private let engineCount: Atomic<Int>

  init(_ infos: [EngineInfo]) {
    entries = Mutex(infos.map { Entry(info: $0) })
    engineCount = Atomic(infos.count)
  }

  var count: Int { engineCount.load(ordering: .acquiring) }

  /// Adds engines that joined the job (their ids follow the last).
  func append(_ infos: [EngineInfo]) {
    entries.withLock { entries in
      entries += infos.map { Entry(info: $0) }
      engineCount.store(entries.count, ordering: .releasing)
    }
  }

  /// Every engine, by id.
  var infos: [EngineInfo] { entries.withLock { $0.map(\.info) } }

  /// The engines that take work, by id.
  var upIDs: [Int] { entries.withLock { $0.filter { $0.state == .up }.map(\.info.id) } }

  func info(_ id: Int) -> EngineInfo? {
    entries.withLock { id >= 0 && id < $0.count ? $0[id].info : nil }
  }

  func state(_ id: Int) -> EngineState? {
    entries.withLock { id >= 0 && id < $0.count ? $0[id].state : nil }
  }

  var states: [EngineState] { entries.withLock { $0.map(\.state) } }

  func set(_ id: Int, _ state: EngineState) {
    entries.withLock { if id >= 0 && id < $0.count { $0[id].state = state } }
  }
}
