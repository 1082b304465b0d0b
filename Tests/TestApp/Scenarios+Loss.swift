import Foundation
import MPIParallel

#if canImport(Glibc)
  import Glibc
#endif

/// Squares after a millisecond, appending "ran X" to `log` each time it runs.
let lossSquare = RemoteFunction("lossSquare") { (x: Int, log: String) -> Int in
  appendLine("ran \(x)", to: log)
  Thread.sleep(forTimeInterval: 0.001)
  return x * x
}

/// Calls `exit(3)` when x == bad: only the first time when `once` (a marker
/// file next to `log` remembers), every time otherwise.
let exitOn = RemoteFunction("exitOn") { (x: Int, bad: Int, once: Bool, log: String) -> Int in
  if x == bad {
    let marker = log + ".exited"
    if !once || !FileManager.default.fileExists(atPath: marker) {
      _ = FileManager.default.createFile(atPath: marker, contents: nil)
      exit(3)
    }
  }
  Thread.sleep(forTimeInterval: 0.002)
  return x + 1
}

func appendLine(_ line: String, to path: String) {
  let file = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
  guard file >= 0 else { return }
  _ = (line + "\n").withCString { write(file, $0, strlen($0)) }
  close(file)
}

extension Scenarios {
  /// Waits (up to 20 s) until engine `id` is lost; the seconds it took, or nil.
  static func waitUntilLost(_ client: Client, _ id: Int, since start: Double) -> Double? {
    while uptime() - start < 20 {
      if case .lost = client.state(ofEngine: id) { return uptime() - start }
      usleep(200)
    }
    return nil
  }

  /// A 10,000-task farm; once half the results are in, engine 2 is killed
  /// with SIGKILL. Every result must arrive and be right, engine 2 must be
  /// reported lost, and no task whose result arrived may run again (only
  /// what engine 2 held may run twice). Needs 4 engines and
  /// `mpirun --enable-recovery`.
  static func lossFarm(_ client: Client, _ checks: Checks, log: String) throws {
    guard hasEngines(client, checks, atLeast: 3, for: "loss-farm") else { return }
    guard let victim = localEngine(client, preferring: 2) else {
      return checks.check("loss-farm: an engine on the hub's host", false, "\(client.engines)")
    }
    let width = client.engines.count
    let xs = Array(0..<10_000)
    let result = client.loadBalancedView().map(
      lossSquare, xs, Array(repeating: log, count: xs.count), chunkSize: 1, ordered: false)
    var values = [Int?](repeating: nil, count: xs.count)
    var arrivedBeforeKill = Set<Int>()
    var killedAt: Double? = nil
    var killedOn = Date()
    for item in result {
      values[item.index] = try item.get()
      if killedAt == nil {
        arrivedBeforeKill.insert(item.index)
        if arrivedBeforeKill.count == xs.count / 2 {
          print("killing engine \(victim) (pid \(client.engines[victim].pid))")
          killedAt = uptime()
          killedOn = Date()
          signalEngine(client, victim, SIGKILL, checks)
        }
      }
    }
    checks.equal("loss-farm: every value", values.map { $0 ?? -1 }, xs.map { $0 * $0 })
    guard let killedAt, waitUntilLost(client, victim, since: killedAt) != nil,
      case .lost(let report) = client.state(ofEngine: victim)
    else {
      return checks.check(
        "loss-farm: engine \(victim) lost", false, "\(String(describing: client.state(ofEngine: victim)))")
    }
    checks.check("loss-farm: engine \(victim) lost", true)
    print("DETECTED \(report.at.timeIntervalSince(killedOn))")
    print("LOST \(report)")
    checks.check("loss-farm: ids without the lost engine", !client.ids.contains(victim), "\(client.ids)")
    checks.equal("loss-farm: engines keep it", client.engines.count, width)
    var runs: [Int: Int] = [:]
    for line in (try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n") {
      if let x = Int(line.dropFirst(4)) { runs[x, default: 0] += 1 }
    }
    let twice = runs.filter { $0.value > 1 }.map(\.key).sorted()
    let heldIndices = Set(report.taskIDs.map { $0 - result.taskIDs[0] })
    checks.check(
      "loss-farm: only the lost engine's tasks ran twice", twice.allSatisfy(heldIndices.contains),
      "ran twice: \(twice); lost engine held \(heldIndices.sorted())")
    checks.check(
      "loss-farm: nothing that arrived before the kill ran again",
      twice.allSatisfy { !arrivedBeforeKill.contains($0) }, "\(twice)")
    checks.equal("loss-farm: every task ran", runs.count, xs.count)
    let status = try client.queueStatus()
    checks.check(
      "loss-farm: queue status says lost",
      status.engines[victim].state != .up && status.engines.filter { $0.state == .up }.count == width - 1,
      "\(status)")
    // Direct work on the lost engine fails at once, naming it.
    do {
      _ = try client[victim].apply(engineID).get(timeout: .seconds(10))
      checks.check("loss-farm: apply on the lost engine fails", false, "it ran")
    } catch ParallelError.engineLost(let id, _, _, _) {
      checks.equal("loss-farm: apply on the lost engine fails", id, victim)
    }
    checks.equal(
      "loss-farm: the others still work", try client[...].apply(engineID).get(timeout: .seconds(10)),
      client.ids)
  }

  /// Item 7 of a 300-task farm calls `exit(3)`: once (`once`), then it runs
  /// elsewhere and every result is right; always, then it takes down two
  /// engines and is quarantined while everything else completes.
  static func lossExit(_ client: Client, _ checks: Checks, once: Bool, log: String) throws {
    guard hasEngines(client, checks, atLeast: 4, for: "loss-exit") else { return }
    let xs = Array(0..<300)
    let outcomes = client.loadBalancedView().map(
      exitOn, xs, Array(repeating: 7, count: xs.count), Array(repeating: once, count: xs.count),
      Array(repeating: log, count: xs.count)
    ).outcomes
    for (index, outcome) in outcomes.enumerated() where index != 7 {
      checks.equal("loss-exit: item \(index)", try? outcome.get(), index + 1)
    }
    let lost = client.engines.filter {
      if case .lost = client.state(ofEngine: $0.id) { return true } else { return false }
    }
    print("LOST \(lost.map { "\($0.id): \(client.state(ofEngine: $0.id)!)" })")
    if once {
      checks.equal("loss-exit: item 7 ran again elsewhere", try? outcomes[7].get(), 8)
      checks.equal("loss-exit: one engine lost", lost.count, 1)
    } else {
      do {
        _ = try outcomes[7].get()
        checks.check("loss-exit: item 7 quarantined", false, "it ran")
      } catch ParallelError.quarantined(_, let reason) {
        print("QUARANTINED 7: \(reason)")
        checks.check("loss-exit: item 7 quarantined", true)
      }
      checks.equal("loss-exit: two engines lost", lost.count, 2)
    }
  }

  /// Engine 2 is killed; then every collective on a view with it fails at
  /// once naming it, views made afterwards leave it out, and the others work.
  static func lossCollective(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 3, for: "loss-collective") else { return }
    guard let victim = localEngine(client, preferring: 2) else {
      return checks.check("loss-collective: an engine on the hub's host", false, "\(client.engines)")
    }
    let all = client[...]
    try all.push(["before": [1]]).get(timeout: .seconds(10))
    let start = uptime()
    guard signalEngine(client, victim, SIGKILL, checks) else { return }
    guard let detected = waitUntilLost(client, victim, since: start) else {
      return checks.check("loss-collective: engine lost", false, "not within 20 s")
    }
    print("DETECTED \(detected)")
    let began = uptime()
    do {
      try all.push(["after": 2]).get(timeout: .seconds(10))
      checks.check("loss-collective: push across the lost engine fails", false, "it succeeded")
    } catch let error {
      checks.check(
        "loss-collective: push across the lost engine fails",
        "\(error)".contains("engine \(victim) (rank \(victim + 1)"), "\(error)")
    }
    do {
      _ = try all.gather("before", as: [Int].self).get(timeout: .seconds(10))
      checks.check("loss-collective: gather across the lost engine fails", false, "it succeeded")
    } catch let error {
      checks.check(
        "loss-collective: gather across the lost engine fails", "\(error)".contains("engine \(victim)"),
        "\(error)")
    }
    checks.check("loss-collective: at once", uptime() - began < 2, "took \(uptime() - began) s")
    let survivors = client[...]
    checks.check("loss-collective: new views leave it out", !survivors.targets.contains(victim), "\(survivors.targets)")
    try survivors.push(["after": [3]]).get(timeout: .seconds(10))
    checks.equal(
      "loss-collective: survivors gather", try survivors.gather("after", as: [Int].self).get(timeout: .seconds(10)),
      Array(repeating: 3, count: survivors.targets.count))
  }

  /// Engine 1 is stopped (SIGSTOP: alive, silent) and a push to every
  /// engine starts at once: engines that wait in the broadcast for engine 1
  /// must give up once it is declared lost (run with `--engine-timeout 1`),
  /// so that the survivors serve again. Engine 1 is killed at the end.
  static func lossStuck(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 4, for: "loss-stuck") else { return }
    let victim = Int(Cluster.arguments.dropFirst(2).first ?? "") ?? 0
    defer { signalEngine(client, victim, SIGKILL, checks) }
    let all = client[...]
    let payload = Array(repeating: 1.5, count: 100_000)
    try all.push(["warm": [1]]).get(timeout: .seconds(10))
    guard signalEngine(client, victim, SIGSTOP, checks) else { return }
    let began = uptime()
    do {
      try all.push(["big": payload]).get(timeout: .seconds(30))
      checks.check("loss-stuck: push fails", false, "it succeeded")
    } catch let error {
      checks.check("loss-stuck: push fails naming engine \(victim)", "\(error)".contains("engine \(victim) (rank"), "\(error)")
    }
    print("FAILED AFTER \(uptime() - began)")
    guard case .lost(let report) = client.state(ofEngine: victim) else {
      return checks.check("loss-stuck: engine lost", false, "\(String(describing: client.state(ofEngine: victim)))")
    }
    print("LOST \(report)")
    let survivors = client[...]
    checks.equal(
      "loss-stuck: survivors answer", try survivors.apply(engineID).get(timeout: .seconds(20)), survivors.targets)
    try survivors.push(["after": [7]]).get(timeout: .seconds(20))
    checks.equal(
      "loss-stuck: survivors gather", try survivors.gather("after", as: [Int].self).get(timeout: .seconds(20)),
      Array(repeating: 7, count: survivors.targets.count))
  }

  /// Engines 1 and 2 are retired while a 2,000-task farm runs: every result
  /// is right, both end retired, and direct work on them is refused.
  static func retire(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 4, for: "retire") else { return }
    let xs = Array(0..<2_000)
    let result = client.loadBalancedView().map(sleepFor, Array(repeating: 0.001, count: xs.count), ordered: false)
    var count = 0
    var retiredDuring: [Int] = []
    var ranOn = Set<Int>()
    for item in result {
      ranOn.insert(try item.get())
      count += 1
      if count == 500 { retiredDuring = try client.retire([1, 2]) }
    }
    checks.equal("retire: every task", count, xs.count)
    checks.equal("retire: retiring", retiredDuring, [1, 2])
    let deadline = Date().addingTimeInterval(20)
    func bothRetired() -> Bool {
      [1, 2].allSatisfy { if case .retired = client.state(ofEngine: $0) { return true } else { return false } }
    }
    while !bothRetired() && Date() < deadline { usleep(1000) }
    checks.check("retire: both retired", bothRetired(), "\([1, 2].map { client.state(ofEngine: $0)! })")
    checks.equal("retire: ids", client.ids, [0, 3])
    let late = client.loadBalancedView().map(engineIDOf, Array(0..<200))
    checks.check(
      "retire: later tasks avoid them", Set(try late.get(timeout: .seconds(30))).isSubset(of: [0, 3]), "")
    do {
      _ = try client[1].apply(engineID).get(timeout: .seconds(10))
      checks.check("retire: apply refused", false, "it ran")
    } catch ParallelError.engineRetired(let id) {
      checks.equal("retire: apply refused", id, 1)
    }
  }
}

let engineIDOf = RemoteFunction("engineIDOf") { (_: Int) -> Int in try EngineContext.current.id }

/// Monotonic seconds.
func uptime() -> Double { ProcessInfo.processInfo.systemUptime }
