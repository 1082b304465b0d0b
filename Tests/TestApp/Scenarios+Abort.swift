import Foundation
import MPIParallel

/// Counts its runs in the engine's namespace under `name`, sleeps, and
/// returns the engine's id (a run leaves a trace an abort must prevent).
let countedSleep = RemoteFunction("countedSleep") { (name: String, seconds: Double) -> Int in
  let engine = try EngineContext.current
  let runs: Int = (try? engine.get(name)) ?? 0
  engine.set(name, runs + 1)
  Thread.sleep(forTimeInterval: seconds)
  return engine.id
}

/// How many times `countedSleep` ran under `name` on this engine.
let runsOf = RemoteFunction("runsOf") { (name: String) -> Int in
  (try? EngineContext.current.get(name, as: Int.self)) ?? 0
}

/// Counts its runs under `name`, sleeps, then fails.
let failAfter = RemoteFunction("failAfter") { (name: String, seconds: Double) -> Int in
  let engine = try EngineContext.current
  let runs: Int = (try? engine.get(name)) ?? 0
  engine.set(name, runs + 1)
  Thread.sleep(forTimeInterval: seconds)
  throw Boom(engine: engine.id)
}

extension Scenarios {
  /// Waits (up to 10 s) until the hub has sent each of `ids` to an engine;
  /// false if it did not.
  static func waitUntilSent(_ client: Client, _ ids: [Int]) -> Bool {
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      if ids.allSatisfy({ client.task($0)?.engineID != nil }) { return true }
      Thread.sleep(forTimeInterval: 0.001)
    }
    return false
  }

  /// The runs of `countedSleep` (or `failAfter`) under `name`, over every engine.
  static func totalRuns(_ client: Client, _ name: String) throws -> Int {
    try client[...].apply(runsOf, name).get(timeout: .seconds(30)).reduce(0, +)
  }

  /// Checks that `result` failed as aborted.
  static func checkAborted<R>(_ name: String, _ result: AsyncResult<R>, _ checks: Checks) {
    do {
      _ = try result.get(timeout: .seconds(30))
      checks.check(name, false, "no error")
    } catch let error as ParallelError {
      checks.equal(name, error, .aborted(taskID: result.taskIDs[0]))
    } catch {
      checks.check(name, false, "\(error)")
    }
  }

  /// Direct calls queued on an engine behind a running one: the hub does
  /// not report them running, and abort reaches them before they start
  /// (hwm 1, 2 engines or more).
  static func abortDirect(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 2, for: "abort-direct") else { return }
    let engine = client[0]
    let running = engine.apply(sleepFor, 1.0)
    let waiting = engine.apply(countedSleep, "direct", 0.0)
    let behind = engine.apply(engineID)
    let id = waiting.taskIDs[0]
    checks.check("direct: the calls are sent", waitUntilSent(client, [id]))
    checks.equal("direct: a call behind another is not running", client.task(id)?.state, .queued)
    checks.equal("direct: the first call is running", client.task(running.taskIDs[0])?.state, .running)
    let aborted = try waiting.abort()
    checks.equal("direct: abort reaches the call waiting on the engine", aborted, [id])
    checkAborted("direct: the aborted call fails as aborted", waiting, checks)
    checks.equal("direct: the running call finishes", try running.get(timeout: .seconds(30)), 0)
    checks.equal("direct: the call behind the aborted one runs", try behind.get(timeout: .seconds(30)), 0)
    checks.equal("direct: the aborted call never ran", try engine.apply(runsOf, "direct").get(), 0)
    let record = client.task(id)
    checks.equal("direct: history says aborted", record?.state, .aborted)
    checks.check("direct: history has no start", record?.started == nil, "\(String(describing: record))")
    checks.equal("direct: metadata names no engine", waiting.metadata.first?.engineID, nil as Int?)

    // Several calls queued (separate messages on the engine): abort the last.
    let first = engine.apply(sleepFor, 0.5)
    let queued = (0..<3).map { _ in engine.apply(countedSleep, "pipeline", 0.0) }
    checks.check("direct: the pipeline is sent", waitUntilSent(client, queued.flatMap(\.taskIDs)))
    checks.check(
      "direct: no queued call is running",
      queued.allSatisfy { client.task($0.taskIDs[0])?.state == .queued },
      "\(queued.map { client.task($0.taskIDs[0])?.state as Any })")
    checks.equal("direct: abort the last of the pipeline", try queued[2].abort(), queued[2].taskIDs)
    checkAborted("direct: the last fails as aborted", queued[2], checks)
    _ = try first.get(timeout: .seconds(30))
    for call in queued.prefix(2) { _ = try call.get(timeout: .seconds(30)) }
    checks.equal("direct: the others ran", try engine.apply(runsOf, "pipeline").get(), 2)

    // A running call is not aborted.
    let slow = engine.apply(sleepFor, 0.3)
    checks.check("direct: the slow call is sent", waitUntilSent(client, slow.taskIDs))
    checks.equal("direct: abort leaves a running call", try slow.abort(), [])
    checks.equal("direct: the running call ends normally", try slow.get(timeout: .seconds(30)), 0)

    // A direct call behind a load-balanced task on its engine.
    let farmed = client.loadBalancedView().apply(sleepFor, 0.5)
    checks.check("direct: the farmed task is sent", waitUntilSent(client, farmed.taskIDs))
    let host = client.task(farmed.taskIDs[0])?.engineID ?? 0
    let late = client[host].apply(countedSleep, "late", 0.0)
    checks.check("direct: the late call is sent", waitUntilSent(client, late.taskIDs))
    checks.equal("direct: abort a call behind a farmed task", try late.abort(), late.taskIDs)
    _ = try farmed.get(timeout: .seconds(30))
    checks.equal("direct: the late call never ran", try client[host].apply(runsOf, "late").get(), 0)
    checks.equal("direct: still serving", try client[...].apply(engineID).get(), client.ids)
  }

  /// Load-balanced tasks waiting on engines (high-water mark above 1): in a
  /// bundle, and sent one by one. Abort reaches every one not started, the
  /// hub reports only the started ones running. Run with `--hwm 2` or more.
  static func abortEngineQueue(_ client: Client, _ checks: Checks) throws {
    let hwm = Cluster.configuration.highWaterMark
    guard hwm >= 2 else {
      checks.check("engine queue: needs --hwm 2 or more", false, "hwm \(hwm)")
      return
    }
    let n = client.ids.count
    let lview = client.loadBalancedView()

    // A map: each engine takes hwm tasks as one bundle and starts the first.
    let count = n * hwm
    let farm = lview.map(
      countedSleep, Array(repeating: "bundle", count: count), Array(repeating: 0.5, count: count))
    checks.check("bundle: every task is sent", waitUntilSent(client, farm.taskIDs))
    let states = farm.taskIDs.map { client.task($0)?.state }
    checks.equal("bundle: one running per engine", states.filter { $0 == .running }.count, n)
    checks.equal("bundle: the rest wait", states.filter { $0 == .queued }.count, count - n)
    let aborted = try farm.abort()
    checks.equal("bundle: abort reaches every task not started", aborted.count, count - n)
    let waiting = zip(farm.taskIDs, states).filter { $0.1 == .queued }.map(\.0)
    checks.equal("bundle: the aborted tasks are those that waited", aborted, waiting)
    let outcomes = farm.outcomes
    checks.equal("bundle: the started tasks finish", outcomes.filter { (try? $0.get()) != nil }.count, n)
    checks.check(
      "bundle: the others fail as aborted",
      outcomes.allSatisfy { outcome in
        if case .failure(let error) = outcome { return "\(error)".contains("aborted") }
        return true
      })
    checks.equal("bundle: only the started tasks ran", try totalRuns(client, "bundle"), n)
    checks.check(
      "bundle: history says aborted, never started",
      aborted.allSatisfy { client.task($0)?.state == .aborted && client.task($0)?.started == nil })

    // One message per task: abort the last one sent.
    let singles = (0..<count).map { _ in lview.apply(countedSleep, "single", 0.5) }
    checks.check("singles: every task is sent", waitUntilSent(client, singles.flatMap(\.taskIDs)))
    let last = singles[count - 1]
    checks.equal("singles: the last one waits", client.task(last.taskIDs[0])?.state, .queued)
    checks.equal("singles: abort reaches it", try last.abort(), last.taskIDs)
    checkAborted("singles: it fails as aborted", last, checks)
    for single in singles.dropLast() { _ = try single.get(timeout: .seconds(30)) }
    checks.equal("singles: the others ran", try totalRuns(client, "single"), count - 1)

    // A run timeout counts from the task's start, not from its wait on the
    // engine: each task runs 0.25 s of its 0.5 s, the last on each engine
    // starting (hwm - 1) * 0.25 s after it was sent.
    let timed = lview.with(TaskFlags(timeout: .milliseconds(500))).map(
      sleepFor, Array(repeating: 0.25, count: count))
    let failed = timed.outcomes.compactMap { outcome -> String? in
      if case .failure(let error) = outcome { return "\(error)" }
      return nil
    }
    checks.equal("run timeout: no task charged for its wait on the engine", failed, [])
    checks.equal(
      "engine queue: still serving", try lview.map(square, Array(0..<20)).get(), (0..<20).map { $0 * $0 })
  }

  /// Direct work counts against the high-water mark: at hwm 1 an engine
  /// running a direct call gets no load-balanced task (2 engines or more).
  static func highWaterDirect(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 2, for: "hwm-direct") else { return }
    let n = client.ids.count
    let busy = client[0].apply(sleepFor, 1.0)
    checks.check("hwm: the direct call is sent", waitUntilSent(client, busy.taskIDs))
    let farm = client.loadBalancedView().map(sleepFor, Array(repeating: 0.1, count: n))
    checks.check("hwm: every task is sent", waitUntilSent(client, farm.taskIDs))
    let onBusyEngine = farm.taskIDs.filter {
      client.task($0)?.engineID == 0 && client.task($0)?.state == .running
    }
    checks.equal("hwm: no task reported running behind the direct call", onBusyEngine, [])
    _ = try farm.get(timeout: .seconds(30))
    checks.check(
      "hwm: no task went to the engine busy with direct work",
      farm.metadata.allSatisfy { $0.engineID != 0 }, "\(farm.metadata.map(\.engineID))")
    checks.equal("hwm: the direct call ends", try busy.get(timeout: .seconds(30)), 0)
  }

  /// A retried task's dependency timeout counts only its time waiting in
  /// the hub, not its first run (2 engines or more).
  static func retryTimeout(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 2, for: "retry-timeout") else { return }
    let flags = TaskFlags(dependencyTimeout: .milliseconds(10), retries: 1)
    let failing = client.loadBalancedView().with(flags).apply(failAfter, "retried", 0.25)
    do {
      _ = try failing.get(timeout: .seconds(30))
      checks.check("retry: ends with its error", false, "no error")
    } catch let error as RemoteError {
      checks.equal("retry: ends with its error", error.errorType, "Boom")
    } catch {
      checks.check("retry: ends with its error", false, "\(error)")
    }
    checks.equal("retry: ran twice", try totalRuns(client, "retried"), 2)
  }
}
