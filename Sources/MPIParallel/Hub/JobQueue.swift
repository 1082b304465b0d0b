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
  /// Encodes chunk `i`'s request.
  let encode: (Int) throws -> [UInt8]
  /// The next chunk to hand out.
  var next = 0
  /// Chunks aborted before they were handed out.
  var skipped = Set<Int>()

  init(firstTaskID: Int, count: Int, result: ResultState, targets: [Int]?, encode: @escaping (Int) throws -> [UInt8]) {
    self.firstTaskID = firstTaskID
    self.count = count
    self.result = result
    self.targets = targets
    self.encode = encode
  }

  var remaining: Int { count - next - skipped.count }
}

/// A FIFO of load-balanced work waiting for an engine: single jobs and map
/// sources, an array with a moving head, compacted when the head has passed
/// half of it.
struct JobQueue {
  enum Entry {
    case job(Job)
    case source(MapSource)
  }

  private var storage: [Entry] = []
  private var head = 0

  var isEmpty: Bool { head == storage.count }

  /// Tasks waiting (a source counts its chunks not yet handed out).
  var count: Int {
    storage[head...].reduce(0) { total, entry in
      switch entry {
      case .job: return total + 1
      case .source(let source): return total + source.remaining
      }
    }
  }

  mutating func append(_ job: Job) { storage.append(.job(job)) }
  mutating func append(_ source: MapSource) {
    if source.count > 0 { storage.append(.source(source)) }
  }

  /// The engines the next task may run on: nil when the queue is empty, `.some(nil)` for any engine.
  var nextTargets: [Int]?? {
    guard !isEmpty else { return nil }
    switch storage[head] {
    case .job(let job): return .some(job.targets)
    case .source(let source): return .some(source.targets)
    }
  }

  /// Takes the next task, encoding it if it comes from a map source. A chunk
  /// that fails to encode goes to `failed` and the next task is taken.
  mutating func removeFirst(failed: (Job, Error) -> Void) -> Job? {
    while !isEmpty {
      switch storage[head] {
      case .job(let job):
        advance()
        return job
      case .source(let source):
        while source.next < source.count && source.skipped.contains(source.next) { source.next += 1 }
        guard source.next < source.count else {
          advance()
          continue
        }
        let index = source.next
        source.next += 1
        if source.next == source.count { advance() }
        var job = Job(
          taskID: source.firstTaskID + index, message: [], result: source.result, slot: index,
          targets: source.targets, engine: -1, loadBalanced: true)
        do {
          job.message = try source.encode(index)
          return job
        } catch {
          failed(job, error)
        }
      }
    }
    return nil
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

  /// Removes the queued tasks whose ids match, keeping the order of the rest;
  /// returns them (chunks of sources as jobs without messages).
  mutating func removeAll(where matches: (Int) -> Bool) -> [Job] {
    var removed: [Job] = []
    var kept: [Entry] = []
    for entry in storage[head...] {
      switch entry {
      case .job(let job):
        if matches(job.taskID) { removed.append(job) } else { kept.append(entry) }
      case .source(let source):
        for index in source.next..<source.count where !source.skipped.contains(index) {
          guard matches(source.firstTaskID + index) else { continue }
          source.skipped.insert(index)
          removed.append(
            Job(
              taskID: source.firstTaskID + index, message: [], result: source.result, slot: index,
              targets: source.targets, engine: -1, loadBalanced: true))
        }
        if source.remaining > 0 { kept.append(entry) }
      }
    }
    storage = kept
    head = 0
    return removed
  }
}
