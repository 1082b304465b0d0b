/// A FIFO of load-balanced jobs waiting for an engine: an array with a moving
/// head, compacted when the head has passed half of it.
struct JobQueue {
  private var storage: [Job] = []
  private var head = 0

  var isEmpty: Bool { head == storage.count }
  var count: Int { storage.count - head }
  var first: Job? { isEmpty ? nil : storage[head] }

  mutating func append(_ job: Job) { storage.append(job) }

  mutating func removeFirst() -> Job {
    let job = storage[head]
    head += 1
    if head == storage.count {
      storage.removeAll(keepingCapacity: true)
      head = 0
    } else if head > 1024 && head * 2 > storage.count {
      storage.removeFirst(head)
      head = 0
    }
    return job
  }

  /// Removes the jobs that match, keeping the order of the rest; returns the removed ones.
  mutating func removeAll(where matches: (Job) -> Bool) -> [Job] {
    var removed: [Job] = []
    var kept: [Job] = []
    for job in storage[head...] {
      if matches(job) { removed.append(job) } else { kept.append(job) }
    }
    storage = kept
    head = 0
    return removed
  }
}
