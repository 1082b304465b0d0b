import Synchronization

/// Steering requests that wait on results (`wait`, `arrivals`), parked so
/// that they hold no thread: each is a condition on some results, a
/// deadline, and what to do when either comes. Hundreds of clients waiting
/// on an unfinished task cost a few hundred bytes each, and every other
/// request is served meanwhile.
///
/// A result with parked waiters has one watcher: a task suspended on the
/// result's own continuation list, which the hub's completion of a slot
/// resumes (no thread blocks, and a result no client waits on costs the hub
/// nothing more per task). The watcher checks that result's waiters,
/// finishes those whose condition holds, and suspends again while any are
/// left. A timer task finishes a waiter whose deadline passes.
final class SteeringWaits: Sendable {
  private struct Waiter {
    /// Whether the waiter's condition holds (called under `parked`'s lock).
    let isDone: @Sendable () -> Bool
    /// Called once, outside the lock, when the condition holds or the deadline passes.
    let finish: @Sendable () -> Void
    /// The results it is registered on.
    let watched: [ObjectIdentifier]
    /// Its timer, cancelled when it finishes first.
    var timer: Task<Void, Never>?
  }

  private struct Parked {
    var waiters: [Int: Waiter] = [:]
    /// The waiters of each result with a watcher. An entry with no waiters
    /// left keeps its watcher, which removes the entry when it next wakes.
    var watched: [ObjectIdentifier: Set<Int>] = [:]
    var next = 0

    /// Takes a waiter out (its entries in `watched` stay, perhaps empty).
    mutating func remove(_ id: Int) -> Waiter? {
      guard let waiter = waiters.removeValue(forKey: id) else { return nil }
      for key in waiter.watched { watched[key]?.remove(id) }
      return waiter
    }
  }

  private let parked = Mutex(Parked())

  /// Waiters parked now.
  var count: Int { parked.withLock { $0.waiters.count } }

  /// Calls `finish` once: now if `isDone` holds, else when it holds after a
  /// slot of `results` completes, or after `timeout` seconds, whichever
  /// comes first. `isDone` may only read `results` (it runs under this
  /// type's lock, and takes theirs).
  func park(
    on results: [ResultState], timeout: Double, isDone: @escaping @Sendable () -> Bool,
    finish: @escaping @Sendable () -> Void
  ) {
    var toWatch: [ResultState] = []
    let id: Int? = parked.withLock { parked in
      if timeout <= 0 || isDone() { return nil }
      let id = parked.next
      parked.next += 1
      var keys: [ObjectIdentifier] = []
      // A finished result changes no more: nothing to watch on it.
      for result in results where !result.isReady {
        let key = ObjectIdentifier(result)
        keys.append(key)
        if parked.watched[key] == nil {
          parked.watched[key] = []
          toWatch.append(result)
        }
        parked.watched[key]!.insert(id)
      }
      parked.waiters[id] = Waiter(isDone: isDone, finish: finish, watched: keys)
      return id
    }
    guard let id else { return finish() }
    for result in toWatch { Task { await self.watch(result) } }
    let timer = Task {
      try? await Task.sleep(nanoseconds: UInt64(Swift.min(timeout, 86_400) * 1e9))
      guard !Task.isCancelled else { return }
      self.parked.withLock { $0.remove(id) }?.finish()
    }
    let finished = parked.withLock { parked -> Bool in
      guard parked.waiters[id] != nil else { return true }
      parked.waiters[id]!.timer = timer
      return false
    }
    if finished { timer.cancel() }
  }

  /// Finishes the waiters of `result` whose condition holds each time one
  /// of its slots completes, while any are left.
  private func watch(_ result: ResultState) async {
    let key = ObjectIdentifier(result)
    while true {
      // Read before the look: a slot completed after it wakes the wait below at once.
      let seen = result.completedCount
      let (due, more): ([Waiter], Bool) = parked.withLock { parked in
        guard let ids = parked.watched[key] else { return ([], false) }
        let due = ids.filter { parked.waiters[$0]?.isDone() ?? false }.compactMap { parked.remove($0) }
        let more = !(parked.watched[key]?.isEmpty ?? true) && seen < result.slotCount
        if !more { parked.watched[key] = nil }
        return (due, more)
      }
      for waiter in due {
        waiter.timer?.cancel()
        waiter.finish()
      }
      guard more else { return }
      await result.waitAsync { $0.pending == 0 || $0.arrived != seen }
    }
  }
}
