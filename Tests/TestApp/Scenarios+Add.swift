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
  /// call to both having returned a task.
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
    do {
      try all.push(["x": 1]).get(timeout: .seconds(10))
      checks.check("add: push across added engines refused", false, "it ran")
    } catch {
      checks.check("add: push across added engines refused", "\(error)".contains("joined later"), "\(error)")
    }
    try client[before].push(["x": 1]).get(timeout: .seconds(10))
    checks.check("add: push to the first engines works", true)
  }
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
      if count == 300 { kill(pid_t(client.engines[1].pid), SIGKILL) }
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
