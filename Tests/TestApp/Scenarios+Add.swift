import Foundation
import MPIParallel

extension Scenarios {
  /// `addEngines(2)` where the launcher has no free slot: a clear error, and
  /// the job goes on with the engines it had.
  static func addRefused(_ client: Client, _ checks: Checks) throws {
    let before = client.ids
    do {
      let added = try client.addEngines(2)
      checks.check("add-refused: refused", false, "added \(added)")
    } catch let error as ParallelError {
      print("REFUSED \(error)")
      checks.check("add-refused: refused", "\(error)".contains("addEngines(2)"), "\(error)")
    }
    checks.equal("add-refused: ids unchanged", client.ids, before)
    checks.equal(
      "add-refused: the engines still work", try client[...].apply(engineID).get(timeout: .seconds(10)), before)
  }

  /// `addEngines(2)` while a 3,000-task farm runs: both new engines take
  /// tasks, every result is right, they answer direct calls under their new
  /// ids, and views made afterwards include them. Prints "ADDED s", from the
  /// call to both having returned a task. Push, scatter, gather and a
  /// collective function then reach every engine, in any view order.
  static func addEngines(_ client: Client, _ checks: Checks) throws {
    let before = client.ids
    let xs = Array(0..<3000)
    let result = client.loadBalancedView().map(sleepFor, Array(repeating: 0.001, count: xs.count), ordered: false)
    var count = 0
    var added: [Int] = []
    var addedAt = 0.0
    var seen = Set<Int>()
    var bothWorking: Double? = nil
    for item in result {
      let engine = try item.get()
      count += 1
      if count == 300 {
        addedAt = uptime()
        added = try client.addEngines(2)
        print("added engines \(added)")
      }
      if !added.isEmpty && bothWorking == nil {
        if added.contains(engine) { seen.insert(engine) }
        if seen.count == added.count { bothWorking = uptime() - addedAt }
      }
    }
    checks.equal("add: every task", count, xs.count)
    checks.equal("add: new ids follow", added, [before.count, before.count + 1])
    checks.check("add: both new engines ran tasks", bothWorking != nil, "ran on \(seen.sorted())")
    if let bothWorking { print("ADDED \(bothWorking)") }
    checks.equal("add: ids", client.ids, before + added)
    checks.equal("add: engines", client.engines.map(\.id), before + added)
    let all = client[...]
    checks.equal("add: apply on every engine", try all.apply(engineID).get(timeout: .seconds(20)), before + added)
    checks.equal("add: apply on one", try client[added[0]].apply(square, 7).get(timeout: .seconds(10)), 49)
    let spread = try client.loadBalancedView().map(engineIDOf, Array(0..<400)).get(timeout: .seconds(30))
    checks.check("add: later maps use them", Set(spread).isSuperset(of: added), "\(Set(spread).sorted())")
    let everyone = before + added
    try all.push(["x": 5]).get(timeout: .seconds(10))
    checks.equal(
      "add: push and pull reach every engine", try all.pull("x", as: Int.self).get(timeout: .seconds(10)),
      Array(repeating: 5, count: everyone.count))
    let values = Array(0..<23)
    try all.scatter("part", values).get(timeout: .seconds(10))
    checks.equal("add: scatter and gather across added engines", try all.gather("part", as: [Int].self).get(), values)
    // A view in another order, an added engine first: the first block goes to it.
    let mixed = client[[added[1], before[0], added[0]]]
    try mixed.scatter("part", values).get(timeout: .seconds(10))
    checks.equal("add: gather in the view's order", try mixed.gather("part", as: [Int].self).get(), values)
    checks.equal(
      "add: the view's first engine holds the first block",
      try client[added[1]].pull("part", as: [Int].self).get(timeout: .seconds(10)), Array(0..<8))
    // A collective function: every engine, the added ones included, in one allreduce.
    let sums = try all.apply(engineSum).get(timeout: .seconds(20))
    checks.equal(
      "add: a collective function's communicator holds every engine", sums,
      everyone.map { [everyone.reduce(0, +), everyone.count, $0] })
    checks.equal("add: and again", try all.apply(engineSum).get(timeout: .seconds(20)), sums)
    // A second spawn group: views across both groups, and one of added engines alone.
    let third = try client.addEngines(1)
    let widest = everyone + third
    let wide = client[...]
    try wide.scatter("part", values).get(timeout: .seconds(10))
    checks.equal("add: two groups, scatter and gather", try wide.gather("part", as: [Int].self).get(), values)
    let addedOnly = client[third + added]
    try addedOnly.push(["z": 9]).get(timeout: .seconds(10))
    checks.equal(
      "add: a view of added engines alone", try addedOnly.pull("z", as: Int.self).get(timeout: .seconds(10)),
      [9, 9, 9])
    checks.equal(
      "add: two groups, a collective function", try wide.apply(engineSum).get(timeout: .seconds(20)),
      widest.map { [widest.reduce(0, +), widest.count, $0] })
  }
}

/// The sum of every engine's id over `EngineContext.communicator`, the engine
/// count, and the engine's rank there.
let engineSum = RemoteFunction("engineSum", collective: true) { () -> [Int] in
  let engine = try EngineContext.current
  return [try engine.communicator.allreduce(engine.id, .sum), engine.count, engine.communicator.rank]
}

extension Scenarios {
  /// Run with `--replace-lost` under `--enable-recovery`: engine 1 is killed
  /// during a 3,000-task farm; a new engine takes its place (the job keeps
  /// its width) and every result is right.
  static func replaceLost(_ client: Client, _ checks: Checks) throws {
    let width = client.ids.count
    let result = client.loadBalancedView().map(sleepFor, Array(repeating: 0.001, count: 3000), ordered: false)
    var count = 0
    var ranOn = Set<Int>()
    for item in result {
      ranOn.insert(try item.get())
      count += 1
      if count == 300 { signalEngine(client, localEngine(client, preferring: 1) ?? 1, SIGKILL, checks) }
    }
    checks.equal("replace: every task", count, 3000)
    let deadline = Date().addingTimeInterval(20)
    while client.ids.count < width && Date() < deadline { usleep(10_000) }
    checks.equal("replace: width kept", client.ids.count, width)
    checks.check("replace: engine 1 gone", !client.ids.contains(1), "\(client.ids)")
    let replacement = client.engines.count - 1
    print("REPLACED by \(replacement); ids \(client.ids)")
    let later = try client.loadBalancedView().map(engineIDOf, Array(0..<400)).get(timeout: .seconds(30))
    checks.check(
      "replace: the new engine works", (ranOn.union(later)).contains(replacement), "\(ranOn.union(later).sorted())")
  }
}
