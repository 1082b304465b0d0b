import Foundation
import MPIParallel

extension Scenarios {
  /// The load-balanced scheduler's flags with real engines (needs 4 engines or more).
  static func scheduler(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 4, for: "scheduler") else { return }
    let n = client.ids.count
    let lview = client.loadBalancedView()

    // Every scheme runs a map correctly, per view.
    for scheme in SchemeName.allCases {
      let values = try lview.with(TaskFlags(scheme: scheme)).map(square, Array(0..<60)).get()
      checks.equal("scheme \(scheme.rawValue)", values, (0..<60).map { $0 * $0 })
    }

    // Retries: failOnLow fails on engines 0 and 1; with two retries every task
    // ends on another engine; without, those placed on 0 or 1 fail.
    let retried = (0..<(2 * n)).map { _ in lview.with(TaskFlags(retries: 2)).apply(failOnLow) }
    let values = try retried.map { try $0.get(timeout: .seconds(30)) }
    checks.check("retries succeed elsewhere", values.allSatisfy { $0 >= 20 }, "\(values)")
    checks.check(
      "retries ran on engines 2 and up", retried.allSatisfy { ($0.metadata.first?.engineID ?? -1) >= 2 })
    let unretried = (0..<(2 * n)).map { _ in lview.apply(failOnLow) }
    let failures = unretried.filter { (try? $0.get(timeout: .seconds(30))) == nil }.count
    checks.check("without retries some fail", failures > 0, "\(failures) failures")
    // A task that always fails ends with its error after 1 + retries runs (never queued forever).
    let doomed = lview.with(TaskFlags(retries: 2)).apply(failIfOdd, 1)
    do {
      _ = try doomed.get(timeout: .seconds(30))
      checks.check("always failing", false, "no error")
    } catch let error as RemoteError {
      checks.equal("always failing ends with its error", error.errorType, "Boom")
    }

    // Functional dependency: only engine 2 accepts; the hub tries engines until it finds it.
    let picky = lview.with(TaskFlags(dependsOn: "isEngineTwo")).map(sleepFor, [0.0, 0.0, 0.0])
    checks.equal("functional dependency finds engine 2", try picky.get(timeout: .seconds(30)), [2, 2, 2])
    do {
      _ = try lview.with(TaskFlags(dependsOn: "never")).apply(engineID).get(timeout: .seconds(30))
      checks.check("unmet dependency", false, "no error")
    } catch let error as ParallelError {
      if case .unmetDependency(_, let reason) = error {
        checks.check("unmet dependency names the engines", reason.contains("never"), reason)
      } else {
        checks.check("unmet dependency", false, "\(error)")
      }
    }

    // Capabilities: engine 1 advertises gpu.
    checks.equal("capabilities", try client[1].apply(capabilitiesHere).get(), ["gpu"])
    checks.equal("engine info capabilities", client.engines[1].capabilities, ["gpu"])
    let gpu = lview.with(TaskFlags(requires: ["gpu"])).map(sleepFor, [0.0, 0.0, 0.0, 0.0])
    checks.equal("requires gpu", try gpu.get(timeout: .seconds(30)), [1, 1, 1, 1])
    do {
      _ = try lview.with(TaskFlags(requires: ["tpu"])).apply(engineID).get(timeout: .seconds(30))
      checks.check("no tpu", false, "no error")
    } catch let error as ParallelError {
      checks.check("no tpu", "\(error)".contains("tpu"), "\(error)")
    }

    // A follow chain stays on one engine.
    var previous = lview.apply(engineID)
    let first = try previous.get()
    var chain = [first]
    for _ in 0..<5 {
      previous = lview.with(TaskFlags(follow: Dependency(previous.taskIDs))).apply(engineID)
      chain.append(try previous.get(timeout: .seconds(30)))
    }
    checks.equal("follow chain", chain, Array(repeating: first, count: 6))

    // After: a task starts only once its dependency finished.
    let slow = lview.apply(sleepFor, 0.3)
    let later = lview.with(TaskFlags(after: Dependency(slow.taskIDs))).apply(engineID)
    _ = try later.get(timeout: .seconds(30))
    if let done = slow.metadata.first?.completed, let started = later.metadata.first?.started {
      checks.check("after waits", started >= done, "started \(started) before \(done)")
    } else {
      checks.check("after waits", false, "missing times")
    }

    // Impossible dependencies fail at once.
    func impossible(_ name: String, _ flags: TaskFlags, _ fragment: String) throws {
      do {
        _ = try lview.with(flags).apply(engineID).get(timeout: .seconds(30))
        checks.check(name, false, "no error")
      } catch let error as ParallelError {
        if case .impossibleDependency(_, let reason) = error {
          checks.check(name, reason.contains(fragment), reason)
        } else {
          checks.check(name, false, "\(error)")
        }
      }
    }
    try impossible("unknown dependency", TaskFlags(after: Dependency([999_999])), "unknown")
    let failed = lview.apply(failIfOdd, 3)
    _ = try? failed.get()
    try impossible("failed dependency", TaskFlags(after: Dependency(failed.taskIDs)), "failed")
    let spread = lview.map(sleepFor, Array(repeating: 0.05, count: n))
    _ = try spread.get()
    let twoEngines = spread.metadata.compactMap(\.engineID)
    if Set(twoEngines).count > 1 {
      try impossible(
        "follow all across engines", TaskFlags(follow: Dependency(spread.taskIDs)), "across engines")
    }

    // Timeouts: a dependency timeout while waiting, a run timeout while running.
    let long = lview.apply(sleepFor, 1.0)
    let waiting = lview.with(
      TaskFlags(after: Dependency(long.taskIDs), dependencyTimeout: .milliseconds(100))
    )
    .apply(engineID)
    do {
      _ = try waiting.get(timeout: .seconds(30))
      checks.check("dependency timeout", false, "no error")
    } catch let error as ParallelError {
      if case .dependencyTimeout = error {
        checks.check("dependency timeout", true)
      } else {
        checks.check("dependency timeout", false, "\(error)")
      }
    }
    let overrun = lview.with(TaskFlags(timeout: .milliseconds(100))).apply(sleepFor, 0.6)
    let t0 = Date()
    do {
      _ = try overrun.get(timeout: .seconds(30))
      checks.check("task timeout", false, "no error")
    } catch let error as ParallelError {
      if case .taskTimeout = error {
        checks.check("task timeout", true)
      } else {
        checks.check("task timeout", false, "\(error)")
      }
    }
    checks.check("task timeout releases the caller early", Date().timeIntervalSince(t0) < 0.55)
    _ = try long.get()
    checks.equal("engines serve after timeouts", Set(try lview.map(square, Array(0..<20)).get()).count, 20)

    // Resubmit runs the same tasks again as new tasks, once they have finished.
    let original = lview.map(square, Array(0..<10), chunkSize: 3)
    original.wait()
    let again = try original.resubmit()
    checks.equal("resubmit values", try again.get(), try original.get())
    checks.check("resubmit new tasks", Set(again.taskIDs).isDisjoint(with: original.taskIDs))
    let seven = lview.apply(square, 7)
    seven.wait()
    checks.equal("resubmit apply", try seven.resubmit().get(), 49)
    checks.check("direct results cannot be resubmitted", (try? client[...].apply(engineID).resubmit()) == nil)

    // Cost hints: the costliest tasks start first (LPT), whatever their order.
    let costs = (0..<(3 * n)).map { Double($0) }
    let hinted = lview.map(sleepFor, costs.map { _ in 0.02 }, costs: costs)
    _ = try hinted.get()
    let startOrder = hinted.metadata.enumerated().sorted {
      ($0.element.started ?? .distantFuture) < ($1.element.started ?? .distantFuture)
    }.map(\.offset)
    checks.check(
      "cost hints start the costliest first", Set(startOrder.prefix(n)) == Set(((2 * n)..<(3 * n))),
      "\(startOrder)")

    // Queue status: while tasks run, engines report them; afterwards they count as completed.
    let busy = lview.map(sleepFor, Array(repeating: 0.2, count: 2 * n))
    Thread.sleep(forTimeInterval: 0.05)
    let status = try client.queueStatus()
    checks.equal("status running", status.engines.map(\.running).reduce(0, +), n)
    checks.equal("status unassigned", status.unassigned, n)
    _ = try busy.get()
    let after = try client.queueStatus()
    checks.check(
      "status completed", after.engines.allSatisfy { $0.completed > 0 } && after.unassigned == 0, "\(after)")

    // Bad input: negative retries, a cycle, costs that do not match.
    checks.check("negative retries", (try? lview.with(TaskFlags(retries: -1)).apply(engineID).get()) == nil)
    let nextID = client.history.count + 1
    do {
      _ = try lview.with(TaskFlags(after: Dependency([nextID]))).apply(engineID).get()
      checks.check("dependency cycle", false, "no error")
    } catch let error as ParallelError {
      checks.check(
        "dependency cycle", "\(error)".contains("itself") || "\(error)".contains("cycle"), "\(error)")
    }
    checks.check("costs count", (try? lview.map(square, [1, 2], costs: [1]).get()) == nil)
    // Temporary flags apply inside the block only.
    let inside = lview.withFlags(TaskFlags(requires: ["gpu"])) { view in view.apply(engineID) }
    checks.equal("temporary flags", try inside.get(), 1)
    checks.equal("view flags unchanged", lview.flags, TaskFlags())
    checks.equal("still serving", try client[...].apply(engineID).get(), Array(0..<n))
  }
}
