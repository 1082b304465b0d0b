/// The tasks of a load-balanced map, encoded one chunk at a time as engines
/// take them: a million-item map holds its inputs, not a million messages.
final class MapSource {
  /// Task id of chunk 0; chunk `i` is task `firstTaskID + i`.
  let firstTaskID: Int
  /// Number of chunks.
  let count: Int
  let result: ResultState
  /// Engines the chunks may run on (nil: any).
  let targets: [Int]?
  /// Writes chunk `i`'s request into a writer (appending to what it holds).
  let write: @Sendable (Int, inout WireWriter) throws -> Void
  /// The chunks' scheduling flags (nil: none).
  let flags: SharedFlags?
  /// Estimated cost per chunk: the hub hands out the longest first (nil: in order).
  let costs: [Double]?
  /// When it was queued (monotonic seconds), for dependency timeouts.
  let queuedAt = MonotonicClock.now()
  /// The next chunk to hand out (in order; hinted sources go through the
  /// queue's heap). Only the hub's loop touches it (no dynamic exclusivity checks).
  // Safe: only the hub's loop touches it, under the baton (Hub.baton).
  @exclusivity(unchecked) var next = 0
  /// Chunks aborted, or handed out from the heap.
  // Safe: only the hub's loop touches it, under the baton (Hub.baton).
  @exclusivity(unchecked) var skipped = Set<Int>()
  /// Jobs of this source whose replies are in, kept to carry later chunks
  /// (no allocation and release per chunk). They hold the source, so they
  /// are kept only while chunks remain to hand out (see `recycle`).
  // Safe: only the hub's loop touches it, under the baton (Hub.baton).
  @exclusivity(unchecked) private var spares: [Job] = []

  init(
    firstTaskID: Int, count: Int, result: ResultState, targets: [Int]?, flags: TaskFlags? = nil,
    costs: [Double]? = nil, write: @escaping @Sendable (Int, inout WireWriter) throws -> Void
  ) {
    self.firstTaskID = firstTaskID
    self.count = count
    self.result = result
    self.targets = targets
    self.flags = flags.map(SharedFlags.init)
    self.costs = costs
    self.write = write
  }

  var remaining: Int { count - next - skipped.count }

  /// Chunk `index` as a job: its request encoded now, or, with `deferred`
  /// and no flags (nothing can need the request again), when it is sent
  /// (`Job.source`), straight into the hub's reused writer.
  func job(_ index: Int, deferred: Bool = false) throws -> Job {
    let lazily = deferred && flags == nil
    if lazily, let job = spares.popLast() {
      job.reuse(taskID: firstTaskID + index, slot: index)
      dropSparesWhenDone()
      return job
    }
    var message: [UInt8] = []
    if !lazily {
      var writer = WireWriter()
      try write(index, &writer)
      message = writer.bytes
    }
    return Job(
      taskID: firstTaskID + index, message: message, result: result, slot: index, targets: targets,
      engine: -1, loadBalanced: true, flags: flags, queuedAt: queuedAt, source: lazily ? self : nil)
  }

  /// Takes back an answered job of this source to carry a later chunk, when
  /// nothing else holds it and chunks remain; returns it when not taken. (A
  /// job written as it is sent, so with no flags: nothing of it outlives its reply.)
  func recycle(_ job: consuming Job) -> Job? {
    var job = job
    guard job.source === self, remaining > 0, isKnownUniquelyReferenced(&job) else { return job }
    spares.append(job)
    return nil
  }

  /// Lets the spare jobs go once every chunk is handed out or skipped (they
  /// hold the source: kept longer, the two would keep each other).
  func dropSparesWhenDone() {
    if !spares.isEmpty && remaining == 0 { spares.removeAll() }
  }

  /// The result and slot of task `id` when it is one of this map's chunks.
  func location(of id: Int) -> TaskLocation? {
    guard id >= firstTaskID && id < firstTaskID + count else { return nil }
    return TaskLocation(state: result, slot: id - firstTaskID)
  }

  /// Chunk `index` as a job without its request (to fail or abort it).
  func placeholder(_ index: Int) -> Job {
    Job(
      taskID: firstTaskID + index, message: [], result: result, slot: index, targets: targets, engine: -1,
      loadBalanced: true, flags: flags, queuedAt: queuedAt)
  }
}

/// The load-balanced work waiting for an engine, in three lanes taken in
/// this order: jobs put back at the front (retries, a task no engine could
/// take yet), tasks with cost hints (longest first, over the whole queue:
/// LPT), then everything else first in, first out. The FIFO is an array with
/// a moving head, compacted when the head has passed half of it; map sources
/// are encoded one chunk at a time as they are taken.
struct JobQueue {
  enum Entry {
    case job(Job)
    case source(MapSource)
  }

  private var front: [Job] = []
  private var hinted = CostHeap()
  private var storage: [Entry] = []
  private var head = 0

  var isEmpty: Bool { front.isEmpty && hinted.isEmpty && head == storage.count }

  /// Tasks waiting (a source counts its chunks not yet handed out).
  var count: Int {
    front.count + hinted.count
      + storage[head...].reduce(0) { total, entry in
        switch entry {
        case .job: return total + 1
        case .source(let source): return total + source.remaining
        }
      }
  }

  mutating func append(_ job: Job) {
    if let cost = job.sharedFlags?.value.cost {
      hinted.push(cost: cost, item: .job(job))
    } else {
      storage.append(.job(job))
    }
  }

  mutating func append(_ source: MapSource) {
    guard source.count > 0 else { return }
    if let costs = source.costs {
      for chunk in 0..<source.count { hinted.push(cost: costs[chunk], item: .chunk(source, chunk)) }
    } else {
      storage.append(.source(source))
    }
  }

  /// Puts a job back to be taken next.
  mutating func pushFront(_ job: Job) { front.append(job) }

  /// The engines the next task may run on: nil when the queue is empty, `.some(nil)` for any engine.
  var nextTargets: [Int]?? {
    if let job = front.last { return .some(job.targets) }
    if let top = hinted.top {
      switch top {
      case .job(let job): return .some(job.targets)
      case .chunk(let source, _): return .some(source.targets)
      }
    }
    guard head < storage.count else { return nil }
    switch storage[head] {
    case .job(let job): return .some(job.targets)
    case .source(let source): return .some(source.targets)
    }
  }

  /// Takes the next task, encoding it if it comes from a map source (or,
  /// with `deferring`, leaving a flagless chunk to be encoded as it is
  /// sent: see `MapSource.job`). A chunk that fails to encode goes to
  /// `failed` and the next task is taken.
  mutating func removeFirst(deferring: Bool = false, failed: (Job, Error) -> Void) -> Job? {
    if let job = front.popLast() { return job }
    while let item = hinted.pop() {
      switch item {
      case .job(let job): return job
      case .chunk(let source, let chunk):
        guard !source.skipped.contains(chunk) else { continue }
        source.skipped.insert(chunk)
        do { return try source.job(chunk, deferred: deferring) } catch {
          failed(source.placeholder(chunk), error)
        }
      }
    }
    while head < storage.count {
      switch storage[head] {
      case .job(let job):
        advance()
        return job
      case .source(let source):
        guard let index = nextChunk(ofHead: source) else {
          advance()
          continue
        }
        do { return try source.job(index, deferred: deferring) } catch {
          failed(source.placeholder(index), error)
        }
      }
    }
    return nil
  }

  /// The index of `source`'s next chunk, taken as `removeFirst` would take
  /// it, when that is the task `removeFirst` would take next: nothing put
  /// back at the front, no hinted task, `source` at the head. Nil otherwise,
  /// with nothing taken.
  mutating func takeChunk(of source: MapSource) -> Int? {
    guard front.isEmpty, hinted.isEmpty, head < storage.count, case .source(let next) = storage[head],
      next === source
    else { return nil }
    return nextChunk(ofHead: source)
  }

  /// Takes the next chunk not skipped of `source`, the entry at the head,
  /// and moves past the source once its last chunk is taken; nil when none
  /// is left (the source stays at the head).
  private mutating func nextChunk(ofHead source: MapSource) -> Int? {
    while source.next < source.count && source.skipped.contains(source.next) { source.next += 1 }
    guard source.next < source.count else { return nil }
    let index = source.next
    source.next += 1
    if source.next == source.count { advance() }
    return index
  }

  private mutating func advance() {
    head += 1
    if head == storage.count {
      storage.removeAll(keepingCapacity: true)
      head = 0
    } else if head > 1024 && head * 2 > storage.count {
      storage.removeFirst(head)
      head = 0
    }
  }

  /// The result and slot of task `id`, when a queued job is it or a queued
  /// map holds it (a scan: for `Client.result(taskID:)`, not for the loop).
  func location(of id: Int) -> TaskLocation? {
    for job in front where job.taskID == id { return TaskLocation(state: job.result, slot: job.slot) }
    if let found = hinted.location(of: id) { return found }
    for entry in storage[head...] {
      switch entry {
      case .job(let job) where job.taskID == id: return TaskLocation(state: job.result, slot: job.slot)
      case .source(let source): if let found = source.location(of: id) { return found }
      default: break
      }
    }
    return nil
  }

  /// Removes the queued tasks whose ids match, keeping the order of the rest;
  /// returns them (chunks of sources as jobs without messages).
  mutating func removeAll(where matches: (Int) -> Bool) -> [Job] {
    var removed: [Job] = []
    front.removeAll { job in
      guard matches(job.taskID) else { return false }
      removed.append(job)
      return true
    }
    removed += hinted.removeAll(where: matches)
    var kept: [Entry] = []
    for entry in storage[head...] {
      switch entry {
      case .job(let job):
        if matches(job.taskID) { removed.append(job) } else { kept.append(entry) }
      case .source(let source):
        for index in source.next..<source.count where !source.skipped.contains(index) {
          guard matches(source.firstTaskID + index) else { continue }
          source.skipped.insert(index)
          removed.append(source.placeholder(index))
        }
        source.dropSparesWhenDone()
        if source.remaining > 0 { kept.append(entry) }
      }
    }
    storage = kept
    head = 0
    return removed
  }
}
