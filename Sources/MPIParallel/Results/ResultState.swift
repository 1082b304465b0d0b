import Synchronization

/// The shared state of one submitted operation: one slot per task (a call on
/// one engine, or one chunk of a map), filled by the hub as replies arrive
/// and read by the driver. The hub stores replies undecoded and the driver
/// decodes them when it reads them, unless the result has `replies`, where
/// the hub decodes a successful reply's values as it arrives. Task ids are
/// consecutive from `firstTaskID`; slot `i` covers items
/// `itemStarts[i]..<itemStarts[i+1]`, or item `i` alone when every slot is
/// one item.
@usableFromInline
final class ResultState: Sendable {
  /// What arrived for a slot.
  enum Outcome {
    /// An engine's reply (success or error), undecoded.
    case reply([UInt8])
    /// A successful reply whose values the hub decoded into `replies` as it arrived.
    case decoded
    /// This slot's bytes within a gather's destination; `failed` when the engine sent an error.
    case gathered(any GatherDestination, Range<Int>, failed: Bool)
    /// The hub failed the slot (aborted, MPI error).
    case failed(Error)
  }

  /// A view of one task of the operation.
  @usableFromInline
  struct Slot {
    let taskID: Int
    /// The items of the operation this slot covers (a map's chunk).
    let items: Range<Int>
    var engineID: Int?
    var outcome: Outcome?
  }

  /// What a waiter's condition sees (under the lock).
  struct Progress {
    /// Slots not finished yet.
    let pending: Int
    /// Slots finished so far.
    let arrived: Int
    /// The state's outcomes, read in place: a progress lives only for the
    /// call of the condition it is handed to, under the state's lock (a copy
    /// of the outcomes retained and released their arrays on every look).
    fileprivate let outcomes: UnsafePointer<Outcomes>

    /// Whether slot `index` has finished.
    func isComplete(_ index: Int) -> Bool { outcomes.pointee.isFinished(index) }
  }

  /// How a slot ended and on which engine (-1: none), compactly (gathers
  /// keep their parts in a side table). The engine rides in the payload's
  /// spare bytes: no array of its own.
  fileprivate enum Stored {
    case reply([UInt8], engine: Int32)
    case decoded(engine: Int32)
    case gathered(Int, engine: Int32)
    case failed(Error, engine: Int32)

    var engine: Int32 {
      switch self {
      case .reply(_, let engine), .decoded(let engine), .gathered(_, let engine), .failed(_, let engine):
        engine
      }
    }
  }

  /// Every slot's outcome: slot 0's inline, the others' in arrays (a
  /// call's one slot then needs no array of its own). Past slot 0, each
  /// slot's engine is kept in `engines`, and only an outcome other than
  /// `.decoded` in `kept`, which is made when the first such arrives: a map
  /// whose values the hub decodes keeps four bytes per item, and letting
  /// them go destroys no enum per item (letting a decoded map's result go
  /// took about 140 instructions per item, callgrind).
  fileprivate struct Outcomes {
    var first: Stored?
    /// Slot `i + 1`'s engine once it finished (`unfinished` until then).
    var engines: [Int32]
    /// Slot `i + 1`'s outcome when it is not `.decoded` (empty while none is).
    var kept: [Stored?]
    let count: Int
    static let unfinished = Int32.min

    init(count: Int) {
      self.count = count
      first = nil
      engines = count > 1 ? .filled(with: Self.unfinished, count: count - 1) : []
      kept = []
    }

    /// Whether slot `index` finished (read without making its outcome).
    @inline(__always)
    func isFinished(_ index: Int) -> Bool {
      index == 0 ? first != nil : engines[index - 1] != Self.unfinished
    }

    /// Fills slot `index` as `.decoded` on `engine`, writing only its engine
    /// past slot 0. (Through `fill` and its switch over the outcome, rank 0
    /// counted 5,463 instructions per farm task under callgrind, against
    /// 5,253 and 5,349 this way.) Each slot is filled once:
    /// `ResultState.complete` ignores a second fill.
    @inline(__always)
    mutating func fillDecoded(_ index: Int, engine: Int32) {
      guard index > 0 else {
        first = .decoded(engine: engine)
        return
      }
      engines[index - 1] = engine
    }

    /// Fills slot `index` with an outcome other than `.decoded`.
    mutating func fill(_ index: Int, with stored: Stored) {
      guard index > 0 else {
        first = stored
        return
      }
      engines[index - 1] = stored.engine
      if kept.isEmpty { kept = .filled(with: nil, count: count - 1) }
      kept[index - 1] = stored
    }

    subscript(index: Int) -> Stored? {
      if index == 0 { return first }
      let engine = engines[index - 1]
      if engine == Self.unfinished { return nil }
      return kept.isEmpty ? .decoded(engine: engine) : kept[index - 1] ?? .decoded(engine: engine)
    }
  }

  /// What changes as slots finish.
  private struct Fields {
    var outcomes: Outcomes
    var gatheredParts: [(destination: any GatherDestination, range: Range<Int>, failed: Bool)] = []
    var pending: Int
    /// Slots completed as `.decoded`.
    var decoded = 0
    /// Slot indices in completion order (kept only for several slots: one
    /// slot's order needs no array, and a call then allocates one less).
    var arrivals: [Int32] = []
    var continuations: [UnsafeContinuation<Void, Never>] = []
    /// Threads blocked in `wait` (completions wake them only when there are some).
    var blocked = 0
  }

  /// The fields, in a mutex stored inline: no allocation per result, and no
  /// dynamic exclusivity checks (the fields are a struct, not class
  /// properties). Threads that sleep wait on `sleepers`, shared by all results.
  private let lock: Mutex<Fields>
  /// Slots filled so far, counted after each fill is in `lock`'s fields:
  /// a waiter that drives the hub looks under the lock only when it moved.
  private let fills = Atomic<Int>(0)
  /// Task id of slot 0.
  let firstTaskID: Int
  /// Slot `i` covers items `itemStarts[i]..<itemStarts[i + 1]`; empty
  /// when slot `i` is item `i` (no array of a million entries for a map
  /// of a million items in chunks of one).
  private let itemStarts: [Int]
  /// Number of slots (tasks).
  @usableFromInline let slotCount: Int
  /// What the operation is, for messages ("apply(area)").
  @usableFromInline let label: String
  let submitted: Double
  /// The hub a waiting thread can drive instead of sleeping (nil in tests
  /// without MPI). Held strongly: a weak reference gives the hub a side
  /// table, and every retain and release of it then takes the slow path (two
  /// per call, measured). The hub lets go of a result's jobs once they are
  /// answered, so the two keep each other only while tasks are out.
  private let hub: Hub?
  /// Where the hub decodes successful replies as they arrive (nil: it keeps them whole).
  let replies: (any ReplySink)?

  /// `submitted` (seconds since 1970) is when the driver submitted it: the
  /// time its tasks' rows were given, where the caller has it (one clock read fewer).
  init(
    label: String, firstTaskID: Int, itemStarts: [Int], hub: Hub? = nil,
    submitted: Double = MonotonicClock.wallNow(), replies: (any ReplySink)? = nil
  ) {
    precondition(!itemStarts.isEmpty, "itemStarts holds one more entry than there are slots")
    self.label = label
    self.firstTaskID = firstTaskID
    self.itemStarts = itemStarts
    slotCount = itemStarts.count - 1
    self.hub = hub
    lock = Mutex(Fields(outcomes: Outcomes(count: slotCount), pending: slotCount))
    self.submitted = submitted
    self.replies = replies
  }

  /// One item per slot, one slot per task of `taskIDs`.
  init(
    label: String, taskIDs: Range<Int>, hub: Hub? = nil, submitted: Double = MonotonicClock.wallNow(),
    replies: (any ReplySink)? = nil
  ) {
    self.label = label
    firstTaskID = taskIDs.lowerBound
    itemStarts = []
    slotCount = taskIDs.count
    self.hub = hub
    lock = Mutex(Fields(outcomes: Outcomes(count: taskIDs.count), pending: taskIDs.count))
    self.submitted = submitted
    self.replies = replies
  }

  /// The items slot `index` covers.
  func items(ofSlot index: Int) -> Range<Int> {
    itemStarts.isEmpty ? index..<(index + 1) : itemStarts[index]..<itemStarts[index + 1]
  }
  var taskIDs: Range<Int> { firstTaskID..<(firstTaskID + slotCount) }
  var isReady: Bool { lock.withLock { $0.pending == 0 } }
  /// The ids of the tasks not finished yet, in order.
  var pendingTaskIDs: [Int] {
    lock.withLock { fields in
      (0..<slotCount).filter { !fields.outcomes.isFinished($0) }.map { firstTaskID + $0 }
    }
  }
  /// Slots finished so far.
  var completedCount: Int { lock.withLock { slotCount - $0.pending } }
  /// Items whose slots finished so far (a map's chunk counts all its items).
  var completedItems: Int {
    lock.withLock { fields in
      if itemStarts.isEmpty { return slotCount - fields.pending }
      return (0..<slotCount).reduce(0) { done, index in
        fields.outcomes.isFinished(index) ? done + itemStarts[index + 1] - itemStarts[index] : done
      }
    }
  }
  /// Whether slot `index` has finished.
  func isFinished(slot index: Int) -> Bool { lock.withLock { $0.outcomes.isFinished(index) } }

  /// Where threads that cannot drive the hub sleep until some result
  /// completes (one for all results: sleeping is rare, and a condition per
  /// result would cost three allocations per call).
  private static let sleepers = ConditionLock()

  /// Fills a slot (hub side); later fills of the same slot are ignored.
  func complete(slot index: Int, engineID: Int?, outcome: Outcome) {
    let (wake, waiting): (Bool, [UnsafeContinuation<Void, Never>]) = lock.withLock { fields in
      guard !fields.outcomes.isFinished(index) else { return (false, []) }
      defer { fills.add(1, ordering: .releasing) }
      let engine = Int32(engineID ?? -1)
      switch outcome {
      case .reply(let bytes): fields.outcomes.fill(index, with: .reply(bytes, engine: engine))
      case .decoded:
        fields.outcomes.fillDecoded(index, engine: engine)
        fields.decoded += 1
      case .failed(let error): fields.outcomes.fill(index, with: .failed(error, engine: engine))
      case .gathered(let destination, let range, let failed):
        fields.outcomes.fill(index, with: .gathered(fields.gatheredParts.count, engine: engine))
        fields.gatheredParts.append((destination, range, failed))
      }
      fields.pending -= 1
      if slotCount > 1 { fields.arrivals.append(Int32(index)) }
      guard !fields.continuations.isEmpty else { return (fields.blocked > 0, []) }
      let waiting = fields.continuations
      fields.continuations.removeAll()
      return (fields.blocked > 0, waiting)
    }
    if wake {
      // A sleeper holds `sleepers` from its last check until it waits, so
      // taking it here orders this completion before or after that check.
      Self.sleepers.withLock {}
      Self.sleepers.broadcast()
    }
    for continuation in waiting { continuation.resume() }
  }

  /// Slot `index` as it stands.
  @usableFromInline
  func slot(_ index: Int) -> Slot { lock.withLock { slot(index, of: $0) } }

  /// Calls `body` with every slot in order, as it stands, under the lock:
  /// no array of a million slots for a map of a million items. `body` must
  /// not call back into this state.
  func forEachSlot(_ body: (Slot) throws -> Void) throws {
    try lock.withLock { fields in
      for index in 0..<slotCount { try body(slot(index, of: fields)) }
    }
  }

  /// Every slot as it stands.
  func snapshot() -> [Slot] { lock.withLock { fields in (0..<slotCount).map { slot($0, of: fields) } } }

  private func slot(_ index: Int, of fields: Fields) -> Slot {
    let outcome: Outcome?
    let stored = fields.outcomes[index]
    switch stored {
    case nil: outcome = nil
    case .reply(let bytes, _): outcome = .reply(bytes)
    case .decoded: outcome = .decoded
    case .failed(let error, _): outcome = .failed(error)
    case .gathered(let part, _):
      let (destination, range, failed) = fields.gatheredParts[part]
      outcome = .gathered(destination, range, failed: failed)
    }
    let engine = stored?.engine ?? -1
    return Slot(
      taskID: firstTaskID + index, items: items(ofSlot: index), engineID: engine >= 0 ? Int(engine) : nil,
      outcome: outcome)
  }

  /// Slot 0's reply, when it holds one (read without making a `Slot`).
  @usableFromInline
  func firstReply() -> [UInt8]? {
    lock.withLock { fields in
      if case .reply(let bytes, _)? = fields.outcomes.first { return bytes }
      return nil
    }
  }

  /// The error of the first slot the hub failed (aborted, MPI error), if any.
  func firstFailure() -> (any Error)? {
    lock.withLock { fields in
      if case .failed(let error, _)? = fields.outcomes.first { return error }
      for case .failed(let error, _)? in fields.outcomes.kept { return error }
      return nil
    }
  }

  /// Whether every slot completed as `.decoded` (its values all in `replies`).
  var isAllDecoded: Bool { lock.withLock { $0.decoded == slotCount } }

  /// Slot indices in the order they completed.
  func arrivalOrder() -> [Int] {
    lock.withLock { fields in
      slotCount == 1 ? (fields.pending == 0 ? [0] : []) : fields.arrivals.map(Int.init)
    }
  }

  /// The slot that completed `position`-th (it must have).
  func arrival(at position: Int) -> Int {
    slotCount == 1 ? 0 : lock.withLock { Int($0.arrivals[position]) }
  }

  /// The slot covering `item`.
  func slotIndex(ofItem item: Int) -> Int {
    if itemStarts.isEmpty { return item }
    var low = 0
    var high = slotCount - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if itemStarts[middle] <= item { low = middle } else { high = middle - 1 }
    }
    return low
  }

  /// Blocks until `condition` (checked under the lock) holds or `deadline`
  /// (monotonic seconds) passes; returns whether it holds. While it waits the
  /// thread runs the hub's loop itself when no other thread does.
  @discardableResult
  func wait(until deadline: Double?, for condition: (Progress) -> Bool) -> Bool {
    func holds() -> Bool { lock.withLock { Self.check(&$0, condition) } }
    // Driving the hub, look again only after a slot was filled (the count
    // is read before the look, so no fill goes unseen): one lock per pass
    // of the hub's loop spared.
    var seenFills = -1
    func holdsOnFill() -> Bool {
      let count = fills.load(ordering: .acquiring)
      guard count != seenFills else { return false }
      seenFills = count
      return holds()
    }
    while true {
      if holds() { return true }
      if let deadline, MonotonicClock.now() >= deadline { return false }
      if let hub {
        switch hub.help(until: holdsOnFill, deadline: deadline) {
        case .satisfied: return true
        case .timedOut: return false
        case .busy: break
        }
      }
      let satisfied: Bool = Self.sleepers.withLock {
        let holds = lock.withLock { fields in
          if Self.check(&fields, condition) { return true }
          fields.blocked += 1
          return false
        }
        if holds { return true }
        let slice = MonotonicClock.now() + 2e-3
        Self.sleepers.wait(until: deadline.map { Swift.min($0, slice) } ?? slice)
        return lock.withLock { fields in
          fields.blocked -= 1
          return Self.check(&fields, condition)
        }
      }
      if satisfied { return true }
    }
  }

  /// Suspends until `condition` holds.
  func waitAsync(for condition: (Progress) -> Bool) async {
    while !lock.withLock({ Self.check(&$0, condition) }) {
      await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
        let ready = lock.withLock { fields in
          if Self.check(&fields, condition) { return true }
          fields.continuations.append(continuation)
          return false
        }
        if ready { continuation.resume() }
      }
    }
  }

  /// Whether `condition` holds of what a waiter sees of these fields.
  private static func check(_ fields: inout Fields, _ condition: (Progress) -> Bool) -> Bool {
    let pending = fields.pending
    let arrived = fields.outcomes.count - pending
    return withUnsafePointer(to: &fields.outcomes) { outcomes in
      condition(Progress(pending: pending, arrived: arrived, outcomes: outcomes))
    }
  }
}
