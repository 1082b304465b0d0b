import Foundation
import MPIParallel

/// Stores `x` as "remembered" on its engine and returns nothing.
let remember = RemoteFunction("remember") { (x: Int) in
  try EngineContext.current.set("remembered", x)
}
/// Twice its argument (used with a namespace reference).
let double = RemoteFunction("double") { (x: Int) -> Int in 2 * x }
/// Runs only on engine `target`; any other engine declines it.
let onlyOn = RemoteFunction("onlyOn") { (target: Int) -> Int in
  let id = try EngineContext.current.id
  guard id == target else { throw UnmetDependency("engine \(id) is not engine \(target)") }
  return id
}

/// Waits for an async body from blocking code (the driver's closure blocks).
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
  let done = DispatchSemaphore(value: 0)
  nonisolated(unsafe) var outcome: Result<T, any Error>?
  Task {
    do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
    done.signal()
  }
  done.wait()
  return try outcome!.get()
}

extension Scenarios {
  /// IPython's interface beyond apply and map: parallel functions, lazy maps,
  /// what results report, tasks by id, view aborts, clear, engines as a
  /// sequence, Void functions, references and dependencies from results on
  /// the LoadBalancedView, and UnmetDependency thrown by a task (4 engines or more).
  static func ipython(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 4, for: "ipython") else { return }
    try parallelFunctions(client, checks)
    try lazyMaps(client, checks)
    try resultReports(client, checks)
    try tasksByID(client, checks)
    try viewAborts(client, checks)
    try swiftForms(client, checks)
  }

  static func parallelFunctions(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    let psquare = lview.parallel(square, chunkSize: 3)
    checks.equal("parallel: lview range", try psquare.map(0..<16), (0..<16).map { $0 * $0 })
    let pending = psquare.mapAsync([5, 6])
    checks.equal("parallel: mapAsync", try pending.get(timeout: .seconds(30)), [25, 36])
    let dsquare = client[[3, 1]].parallel(square)
    checks.equal("parallel: dview", try dsquare.map([1, 2, 3]), [1, 4, 9])
    checks.equal("parallel: dview blocks", dsquare.mapAsync([1, 2, 3, 4]).metadata.map(\.engineID).count, 2)
    let parea = lview.parallel(area)
    checks.equal("parallel: zipped", try parea.map([1, 2, 3], [4, 5, 6]), [4, 10, 18])
    let awaited = try blockingAwait { try await psquare.map(Array(1...4)) }
    checks.equal("parallel: await", awaited, [1, 4, 9, 16])
  }

  static func lazyMaps(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    // Unbounded input: read only as results come back.
    let lazy = lview.imap(square, 1..., maxOutstanding: 3)
    var firsts: [Int] = []
    var indices: [Int] = []
    for item in lazy {
      firsts.append(try item.get())
      indices.append(item.index)
      if firsts.count == 20 { break }
    }
    checks.equal("imap: unbounded, ordered", firsts, (1...20).map { $0 * $0 })
    checks.equal("imap: indices", indices, Array(0..<20))
    checks.check(
      "imap: reads ahead at most twice maxOutstanding", lazy.submittedCount <= 20 + 6, "\(lazy.submittedCount)")
    _ = try lazy.cancel()
    var iterator = lazy.makeIterator()
    checks.check("imap: cancel ends the iteration", iterator.next() == nil)
    let afterCancel = lazy.submittedCount
    Thread.sleep(forTimeInterval: 0.1)
    checks.equal("imap: cancel submits nothing more", lazy.submittedCount, afterCancel)

    // Unordered: the quick ones first, and at most maxOutstanding at once.
    let delays = [0.4, 0.0, 0.0, 0.0, 0.0, 0.0]
    let unordered = lview.imap(sleepFor, delays, maxOutstanding: 2, ordered: false)
    var order: [Int] = []
    for item in unordered { order.append(item.index) }
    checks.equal("imap: unordered, every item", order.sorted(), Array(0..<6))
    checks.check("imap: unordered, slow one last", order.last == 0, "\(order)")

    // Suspending iteration, and an error as an item.
    let values = try blockingAwait { () -> [Int] in
      var values: [Int] = []
      for await item in lview.imap(failIfOdd, 0..<6) { values.append((try? item.get()) ?? -1) }
      return values
    }
    checks.equal("imap: for await, errors as items", values, [0, -1, 2, -1, 4, -1])
  }

  static func resultReports(_ client: Client, _ checks: Checks) throws {
    let dv = client[[2, 0]]
    checks.equal("getDict: apply", try dv.apply(engineID).getDict(timeout: .seconds(30)), [2: 2, 0: 0])
    let one = client[3].apply(engineID)
    checks.equal("getDict: engine apply", try one.getDict(timeout: .seconds(30)), [3: 3])
    let lview = client.loadBalancedView()
    let many = lview.map(sleepFor, Array(repeating: 0.05, count: 2 * client.ids.count))
    do {
      _ = try many.getDict(timeout: .seconds(30))
      checks.check("getDict: refused when an engine ran several", false, "no error")
    } catch ParallelError.invalidArgument(let message) {
      checks.check("getDict: refused when an engine ran several", message.contains("ran several tasks"), message)
    }

    // Times: 8 tasks of 0.1 s on 4 engines or more.
    let timed = lview.map(sleepFor, Array(repeating: 0.1, count: 8))
    checks.check("wallTime: nil while pending", timed.wallTime == nil)
    _ = try timed.get(timeout: .seconds(30))
    let wall = timed.wallTime ?? 0
    let serial = timed.serialTime ?? 0
    checks.check("serialTime: the tasks' run times added", serial >= 0.78 && serial < 2, "\(serial)")
    checks.check("wallTime: less than serial", wall >= 0.19 && wall < serial, "wall \(wall), serial \(serial)")
    checks.check("elapsed: the wall time once done", abs(timed.elapsed - wall) < 1e-9, "\(timed.elapsed)")

    // Progress counts items: a chunk of 4 counts 4 once it finishes.
    let chunked = lview.map(sleepFor, Array(repeating: 0.1, count: 8), chunkSize: 4)
    var seen = Set<Int>()
    while !chunked.isReady {
      seen.insert(chunked.progress)
      Thread.sleep(forTimeInterval: 0.01)
    }
    seen.insert(chunked.progress)
    checks.check("progress: items of chunks", seen.isSubset(of: [0, 4, 8]) && seen.contains(8), "\(seen)")

    // split: one result per task.
    let parts = client[[1, 3]].apply(engineID).split()
    checks.equal("split: apply", try parts.map { try $0.get(timeout: .seconds(30)) }, [[1], [3]])
    checks.equal("split: task ids", parts.map(\.taskIDs).count, 2)
    let chunks = lview.map(square, Array(0..<5), chunkSize: 2).split()
    checks.equal(
      "split: chunks", try chunks.map { try $0.get(timeout: .seconds(30)) }, [[0, 1], [4, 9], [16]])
  }

  static func tasksByID(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    // A pending task found by id, its own result released.
    var id = 0
    do {
      let slow = client[2].apply(sleepFor, 0.3)
      id = slow.taskIDs[0]
    }
    let found = try client.result(taskID: id, as: Int.self)
    checks.equal("result(taskID:): pending direct call", try found.get(timeout: .seconds(30)), [2])
    do {
      _ = try client.result(taskID: id, as: Int.self)
      checks.check("result(taskID:): finished, no journal, refused", false, "no error")
    } catch ParallelError.invalidArgument(let message) {
      checks.check("result(taskID:): finished, no journal, refused", message.contains("--journal"), message)
    }
    // A load-balanced map's task, finished, its result held.
    let mapped = lview.map(square, Array(0..<6), chunkSize: 2)
    _ = try mapped.get(timeout: .seconds(30))
    checks.equal(
      "result(taskID:): chunk of a held map",
      try client.result(taskID: mapped.taskIDs[1], as: Int.self).get(timeout: .seconds(30)), [4, 9])
    // Resubmit by id: only those chunks run again, as new tasks.
    let again = try client.resubmit(taskIDs: [mapped.taskIDs[2], mapped.taskIDs[0]], as: Int.self)
    checks.equal(
      "resubmit(taskIDs:): values", try again.map { try $0.get(timeout: .seconds(30)) }, [[16, 25], [0, 1]])
    checks.check(
      "resubmit(taskIDs:): new tasks", Set(again.flatMap(\.taskIDs)).isDisjoint(with: mapped.taskIDs))
    let pending = lview.apply(sleepFor, 0.3)
    do {
      _ = try client.resubmit(taskIDs: pending.taskIDs, as: Int.self)
      checks.check("resubmit(taskIDs:): pending refused", false, "no error")
    } catch ParallelError.invalidArgument(let message) {
      checks.check("resubmit(taskIDs:): pending refused", message.contains("pending"), message)
    }
    _ = try pending.get(timeout: .seconds(30))

    // clear: the namespaces of some engines.
    try client[...].push(["kept": 1]).get(timeout: .seconds(30))
    let removed = try client.clear(targets: [0, 1]).get(timeout: .seconds(30))
    checks.check("clear: removed names", removed.allSatisfy { $0 >= 1 }, "\(removed)")
    let names = try client[[0, 1, 2]].apply(namesHere).get(timeout: .seconds(30))
    checks.check("clear: emptied", names[0].isEmpty && names[1].isEmpty, "\(names)")
    checks.check("clear: others kept", names[2].contains("kept"), "\(names)")
  }

  static func viewAborts(_ client: Client, _ checks: Checks) throws {
    let n = client.ids.count
    let lview = client.loadBalancedView()
    // Twice as many tasks as engines: half run, half wait in the hub.
    let farm = lview.map(sleepFor, Array(repeating: 0.4, count: 2 * n))
    Thread.sleep(forTimeInterval: 0.1)
    let aborted = try lview.abort()
    checks.equal("lview.abort(): what waits", aborted.count, n)
    let outcomes = farm.outcomes
    let abortedItems = outcomes.filter {
      if case .failure(ParallelError.aborted) = $0 { return true }
      return false
    }
    checks.equal("lview.abort(): aborted items", abortedItems.count, n)
    // A DirectView's abort: the second call waits behind the first on engine 1.
    let first = client[1].apply(sleepFor, 0.3)
    let second = client[1].apply(sleepFor, 0.3)
    Thread.sleep(forTimeInterval: 0.05)
    let direct = try client[[1]].abort()
    checks.equal("dview.abort(): the waiting call", direct, second.taskIDs)
    checks.equal("dview.abort(): the running one finishes", try first.get(timeout: .seconds(30)), 1)
    checks.check("dview.abort(): the waiting one fails", second.error.map { "\($0)".contains("aborted") } == true)
  }

  static func swiftForms(_ client: Client, _ checks: Checks) throws {
    // The client is a sequence of engine views.
    checks.equal("client: sequence", client.map(\.id), client.ids)
    var ran: [Int] = []
    for engine in client { ran.append(try engine.apply(engineID).get(timeout: .seconds(30))) }
    checks.equal("client: for engine in client", ran, client.ids)
    // A function returning nothing.
    let nothing = try client[[0, 1]].apply(remember, 7).get(timeout: .seconds(30))
    checks.equal("Void: results", nothing, [Nothing(), Nothing()])
    checks.equal("Void: its effect", try client[1].pull("remembered", as: Int.self).get(timeout: .seconds(30)), 7)
    // A reference on the LoadBalancedView: the chosen engine's own value.
    _ = try client[...].apply(setLocal, "v", 0).get(timeout: .seconds(30))
    let lview = client.loadBalancedView()
    let referenced = lview.apply(double, Reference("v"))
    let value = try referenced.get(timeout: .seconds(30))
    checks.equal("Reference on lview", value, 2 * (referenced.metadata[0].engineID ?? -1))
    // A dependency built from a result.
    let before = lview.apply(sleepFor, 0.2)
    let after = lview.with(TaskFlags(after: Dependency(before))).apply(sleepFor, 0.0)
    _ = try after.get(timeout: .seconds(30))
    let started = after.metadata[0].started ?? .distantPast
    checks.check(
      "Dependency(result): runs after", started >= (before.metadata[0].completed ?? .distantFuture),
      "\(after.metadata) vs \(before.metadata)")
    // UnmetDependency thrown by a task with flags: moved until it fits.
    let flagged = lview.with(TaskFlags(dependencyTimeout: .seconds(30)))
    checks.equal("UnmetDependency: moved", try flagged.apply(onlyOn, 2).get(timeout: .seconds(30)), 2)
    do {
      _ = try flagged.apply(onlyOn, 99).get(timeout: .seconds(30))
      checks.check("UnmetDependency: no engine", false, "no error")
    } catch ParallelError.unmetDependency(_, let reason) {
      checks.check("UnmetDependency: no engine", reason.contains("declined"), reason)
    }
    // And without flags: the engine sends the request back with its refusal.
    checks.equal("UnmetDependency: moved without flags", try lview.apply(onlyOn, 1).get(timeout: .seconds(30)), 1)
    checks.equal(
      "UnmetDependency: a map's tasks moved without flags",
      try lview.map(onlyOn, Array(repeating: 3, count: 6)).get(timeout: .seconds(30)), Array(repeating: 3, count: 6))
    do {
      _ = try lview.apply(onlyOn, 99).get(timeout: .seconds(30))
      checks.check("UnmetDependency: no engine, without flags", false, "no error")
    } catch ParallelError.unmetDependency(_, let reason) {
      checks.check("UnmetDependency: no engine, without flags", reason.contains("declined"), reason)
    }
    do {
      _ = try client[0].apply(onlyOn, 2).get(timeout: .seconds(30))
      checks.check("UnmetDependency: direct call fails", false, "no error")
    } catch let error as RemoteError {
      checks.equal("UnmetDependency: direct call fails", error.errorType, "UnmetDependency")
    }
  }
}
