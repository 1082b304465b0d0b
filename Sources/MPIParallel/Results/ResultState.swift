/// The shared state of one submitted operation: one slot per task (a call on
/// one engine, or one chunk of a map), filled by the hub thread as replies
/// arrive and read by the driver. The hub stores replies undecoded; the
/// driver decodes them when it reads them.
final class ResultState: @unchecked Sendable {
  /// What arrived for a slot.
  enum Outcome {
    /// An engine's reply (success or error), undecoded.
    case reply([UInt8])
    /// This slot's bytes within a gather's destination; `failed` when the engine sent an error.
    case gathered(any GatherDestination, Range<Int>, failed: Bool)
    /// The hub failed the slot (aborted, MPI error).
    case failed(Error)
  }

  /// One task of the operation.
  struct Slot {
    let taskID: Int
    /// The items of the operation this slot covers (a map's chunk).
    let items: Range<Int>
    var engineID: Int?
    var outcome: Outcome?
  }

  private let lock = ConditionLock()
  private var slots: [Slot]
  private var pending: Int
  private var arrivals: [Int] = []
  private var continuations: [UnsafeContinuation<Void, Never>] = []
  /// Threads blocked in `wait` (completions wake them only when there are some).
  private var blocked = 0
  /// What the operation is, for messages ("apply(area)").
  let label: String
  let submitted: Double
  /// The hub a waiting thread can drive instead of sleeping (nil in tests without MPI).
  private weak var hub: Hub?

  init(label: String, slots: [Slot], hub: Hub? = nil) {
    self.label = label
    self.slots = slots
    self.hub = hub
    pending = slots.count
    submitted = MonotonicClock.wallNow()
  }

  var slotCount: Int { lock.withLock { slots.count } }
  var taskIDs: [Int] { lock.withLock { slots.map(\.taskID) } }
  var isReady: Bool { lock.withLock { pending == 0 } }

  /// Fills a slot (hub thread); later fills of the same slot are ignored.
  func complete(slot index: Int, engineID: Int?, outcome: Outcome) {
    lock.lock()
    guard slots[index].outcome == nil else {
      lock.unlock()
      return
    }
    slots[index].outcome = outcome
    if let engineID { slots[index].engineID = engineID }
    pending -= 1
    arrivals.append(index)
    let wake = blocked > 0
    guard !continuations.isEmpty else {
      lock.unlock()
      if wake { lock.broadcast() }
      return
    }
    let waiting = continuations
    continuations.removeAll()
    lock.unlock()
    if wake { lock.broadcast() }
    for continuation in waiting { continuation.resume() }
  }

  /// A copy of the slots.
  func snapshot() -> [Slot] { lock.withLock { slots } }

  func slot(_ index: Int) -> Slot { lock.withLock { slots[index] } }

  /// Slot indices in the order they completed.
  func arrivalOrder() -> [Int] { lock.withLock { arrivals } }

  /// The slot that completed `position`-th (it must have).
  func arrival(at position: Int) -> Int { lock.withLock { arrivals[position] } }

  /// Blocks until `condition` (checked under the lock) holds or `deadline`
  /// (monotonic seconds) passes; returns whether it holds. While it waits the
  /// thread runs the hub's loop itself when no other thread does.
  @discardableResult
  func wait(until deadline: Double?, for condition: (_ pending: Int, _ arrived: Int, _ slots: [Slot]) -> Bool)
    -> Bool
  {
    func holds() -> Bool { lock.withLock { condition(pending, arrivals.count, slots) } }
    while true {
      if holds() { return true }
      if let deadline, MonotonicClock.now() >= deadline { return false }
      if let hub {
        switch hub.help(until: holds, deadline: deadline) {
        case .satisfied: return true
        case .timedOut: return false
        case .busy: break
        }
      }
      let satisfied: Bool = lock.withLock {
        if condition(pending, arrivals.count, slots) { return true }
        blocked += 1
        let slice = MonotonicClock.now() + 2e-3
        lock.wait(until: deadline.map { Swift.min($0, slice) } ?? slice)
        blocked -= 1
        return condition(pending, arrivals.count, slots)
      }
      if satisfied { return true }
    }
  }

  /// Suspends until `condition` holds.
  func waitAsync(for condition: (_ pending: Int, _ arrived: Int, _ slots: [Slot]) -> Bool) async {
    while !lock.withLock({ condition(pending, arrivals.count, slots) }) {
      await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
        lock.lock()
        if condition(pending, arrivals.count, slots) {
          lock.unlock()
          continuation.resume()
        } else {
          continuations.append(continuation)
          lock.unlock()
        }
      }
    }
  }
}
