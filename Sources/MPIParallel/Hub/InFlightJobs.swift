/// The jobs one engine holds, in the order they were sent. An engine answers
/// its requests in that order, so a reply almost always matches the oldest
/// job: finding it is one comparison, where a dictionary of every job in
/// flight hashed each task id twice.
///
/// A ring of slots: a job removed out of order leaves a hole that the head
/// steps over once it gets there. The ring doubles when full.
struct InFlightJobs {
  private var slots: [Job?] = Array(repeating: nil, count: 4)
  /// Index of the oldest occupied slot (or of the next free one when empty).
  private var head = 0
  /// Slots from the head to the newest job, holes included.
  private var span = 0
  /// Jobs held.
  private(set) var count = 0

  var isEmpty: Bool { count == 0 }

  /// The oldest job: the one its engine runs, or takes next. (The head
  /// steps over holes as they reach it, so its slot is never empty.)
  var first: Job? { span > 0 ? slots[head] : nil }

  /// The oldest job's task id and whether it has flags, read in place (no
  /// reference to the job taken: this is asked on every reply).
  @inline(__always)
  var firstTask: (id: Int, flagged: Bool)? {
    guard span > 0, let id = slots[head]?.taskID else { return nil }
    return (id, slots[head]?.sharedFlags != nil)
  }

  /// Every job, oldest first.
  var all: [Job] {
    let mask = slots.count - 1
    return (0..<span).compactMap { slots[(head + $0) & mask] }
  }

  mutating func append(_ job: Job) {
    if span == slots.count { grow() }
    slots[(head + span) & (slots.count - 1)] = job
    span += 1
    count += 1
  }

  /// Removes and returns the job with `taskID`; nil when the engine holds none.
  mutating func remove(taskID: Int) -> Job? {
    let mask = slots.count - 1
    for offset in 0..<span {
      let index = (head + offset) & mask
      guard slots[index]?.taskID == taskID else { continue }
      // Moved out of its slot: no retain of the job and release of the slot's reference.
      let taken = slots[index].take()
      count -= 1
      if offset == 0 {
        // Step over this slot and any holes behind it.
        while span > 0 && slots[head] == nil {
          head = (head + 1) & mask
          span -= 1
        }
      }
      return taken
    }
    return nil
  }

  /// Removes and returns every job, oldest first.
  mutating func removeAll() -> [Job] {
    let mask = slots.count - 1
    var jobs: [Job] = []
    for offset in 0..<span {
      if let job = slots[(head + offset) & mask].take() { jobs.append(job) }
    }
    head = 0
    span = 0
    count = 0
    return jobs
  }

  /// The job with `taskID`, left in place.
  func job(taskID: Int) -> Job? {
    let mask = slots.count - 1
    for offset in 0..<span {
      if let job = slots[(head + offset) & mask], job.taskID == taskID { return job }
    }
    return nil
  }

  /// Doubles the ring, the held jobs moved to its start in order.
  private mutating func grow() {
    let mask = slots.count - 1
    var larger = [Job?](repeating: nil, count: slots.count * 2)
    for offset in 0..<span { larger[offset] = slots[(head + offset) & mask] }
    slots = larger
    head = 0
  }
}
