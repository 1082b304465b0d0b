/// Cost-hinted tasks, the costliest on top: the hub hands them out longest
/// first over everything hinted that waits (LPT), ties in submission order.
struct CostHeap {
  enum Item {
    case job(Job)
    case chunk(MapSource, Int)
  }

  private var entries: [(cost: Double, order: Int, item: Item)] = []
  private var pushed = 0

  var isEmpty: Bool { entries.isEmpty }
  var count: Int {
    entries.reduce(0) { total, entry in
      if case .chunk(let source, let chunk) = entry.item, source.skipped.contains(chunk) { return total }
      return total + 1
    }
  }
  var top: Item? { entries.first?.item }

  private func above(_ a: Int, _ b: Int) -> Bool {
    entries[a].cost > entries[b].cost
      || (entries[a].cost == entries[b].cost && entries[a].order < entries[b].order)
  }

  mutating func push(cost: Double, item: Item) {
    insert((cost, pushed, item))
    pushed += 1
  }

  private mutating func insert(_ entry: (cost: Double, order: Int, item: Item)) {
    entries.append(entry)
    var child = entries.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard above(child, parent) else { break }
      entries.swapAt(child, parent)
      child = parent
    }
  }

  mutating func pop() -> Item? {
    guard !entries.isEmpty else { return nil }
    entries.swapAt(0, entries.count - 1)
    let item = entries.removeLast().item
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var best = parent
      if left < entries.count && above(left, best) { best = left }
      if right < entries.count && above(right, best) { best = right }
      guard best != parent else { break }
      entries.swapAt(parent, best)
      parent = best
    }
    return item
  }

  /// The result and slot of task `id`, when an item here is or holds it.
  func location(of id: Int) -> TaskLocation? {
    for entry in entries {
      switch entry.item {
      case .job(let job) where job.taskID == id: return TaskLocation(state: job.result, slot: job.slot)
      case .chunk(let source, _): if let found = source.location(of: id) { return found }
      default: break
      }
    }
    return nil
  }

  /// Removes the items whose task ids match (chunks as jobs without messages).
  mutating func removeAll(where matches: (Int) -> Bool) -> [Job] {
    var removed: [Job] = []
    var kept: [(cost: Double, order: Int, item: Item)] = []
    for entry in entries {
      switch entry.item {
      case .job(let job) where matches(job.taskID): removed.append(job)
      case .chunk(let source, let chunk) where matches(source.firstTaskID + chunk):
        if !source.skipped.contains(chunk) {
          source.skipped.insert(chunk)
          removed.append(source.placeholder(chunk))
        }
      default: kept.append(entry)
      }
    }
    entries = []
    for entry in kept { insert(entry) }
    return removed
  }
}
