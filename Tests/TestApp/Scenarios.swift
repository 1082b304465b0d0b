import Foundation
import MPI
import MPIParallel
import Synchronization

enum Scenarios {
  /// Whether the job has at least `count` engines; when not, a failed check
  /// says which scenario needed them.
  static func hasEngines(_ client: Client, _ checks: Checks, atLeast count: Int, for scenario: String) -> Bool {
    let n = client.ids.count
    if n < count { checks.check("\(scenario) needs \(count) engines", false, "\(n) engines") }
    return n >= count
  }

  /// An engine whose process this one can signal: one on the hub's host (a
  /// pid names a process on its own host only), `preferred` when it is one.
  static func localEngine(_ client: Client, preferring preferred: Int) -> Int? {
    let here = client.engines.filter { $0.host == MPI.processorName }.map(\.id)
    return here.contains(preferred) ? preferred : here.first
  }

  /// Sends `signal` to engine `id`'s process when it runs on the hub's host;
  /// otherwise a failed check says why nothing was sent.
  @discardableResult
  static func signalEngine(_ client: Client, _ id: Int, _ signal: Int32, _ checks: Checks) -> Bool {
    let engine = client.engines[id]
    guard engine.host == MPI.processorName else {
      checks.check(
        "signal engine \(id)", false,
        "it runs on host \(engine.host), not on the hub's (\(MPI.processorName)): its pid names no process here"
      )
      return false
    }
    kill(pid_t(engine.pid), signal)
    return true
  }

  /// Engines, DirectView apply and map, Reference arguments, task history.
  static func basics(_ client: Client, _ checks: Checks) throws {
    let n = client.ids.count
    checks.equal("ids", client.ids, Array(0..<n))
    checks.equal("ranks", client.engines.map(\.rank), Array(1...n))
    // A pid names a process on its host only (hosts, and PID namespaces, repeat pids).
    checks.equal(
      "distinct processes (host and pid)", Set(client.engines.map { "\($0.host) \($0.pid)" }).count, n)
    checks.check("hosts", client.engines.allSatisfy { !$0.host.isEmpty })
    print("ENGINES \(n)")
    print("ENGINE HOSTS \(Set(client.engines.map(\.host)).count)")
    // Open MPI's own locks: off unless MPIPARALLEL_OPENMPI_LOCKS=keep (every rank's calls are serialized).
    let engineLocks = Set(try client[...].apply(openMPILocksHere).get())
    print("OPENMPI LOCKS hub=\(openMPILocks()) engines=\(engineLocks.sorted().joined(separator: ","))")
    // Open MPI's yield on each empty poll: off unless the environment asks for it.
    let engineYield = Set(try client[...].apply(openMPIYieldHere).get())
    print("OPENMPI YIELD hub=\(openMPIYield()) engines=\(engineYield.sorted().joined(separator: ","))")

    let all = client[...]
    checks.equal("apply engineID", try all.apply(engineID).get(), Array(0..<n))
    checks.equal("apply engineCount", try all.apply(engineCount).get(), Array(repeating: n, count: n))
    checks.equal("apply area", try all.apply(area, 3, 7).get(), Array(repeating: 21, count: n))
    checks.equal("engine view", try client[n - 1].apply(engineID).get(), n - 1)
    if n >= 3 {
      checks.equal("range view", try client[1..<3].apply(engineID).get(), [1, 2])
      // Results follow the order the engines were given, as IPython's.
      checks.equal("list view", try client[[2, 0]].apply(engineID).get(), [2, 0])
    }
    let xs = Array(0..<37)
    checks.equal("direct map", try all.map(square, xs).get(), xs.map { $0 * $0 })
    checks.equal("direct map zip", try all.map(area, [1, 2, 3], [6, 7, 8, 9]).get(), [6, 14, 24])
    checks.equal("direct map empty", try all.map(square, [Int]()).get(), [])
    let mapped = all.map(square, xs)
    _ = try mapped.get()
    let engines = Set(mapped.metadata.compactMap(\.engineID))
    checks.equal("direct map uses every engine", engines, Set(0..<min(n, xs.count)))

    let points = [Point(x: 1, y: 2, label: nil), Point(x: 3.5, y: -1, label: "p")]
    checks.equal("codable args", try client[0].map(describePoint, points).get(), ["1.0,2.0,-", "3.5,-1.0,p"])
    checks.equal(
      "codable result", try client[0].apply(movePoint, points[1], 1.5).get(), Point(x: 5, y: -1, label: "p"))
    checks.equal("array args", try client[0].apply(scale, [1, 2, 3], 2).get(), [2, 4, 6])
    // A result read twice gives its value twice, however it is kept: a
    // small plain value inline, others in memory of their own.
    let small = client[0].apply(area, 6, 7)
    let array = client[0].apply(scale, [1, 2], 3)
    let point = client[0].apply(movePoint, points[0], -1)
    checks.equal("small result twice", [try small.get(), try small.get()], [42, 42])
    checks.equal("array result twice", [try array.get(), try array.get()], [[3, 6], [3, 6]])
    let moved = Point(x: 0, y: 2, label: nil)
    checks.equal("codable result twice", [try point.get(), try point.get()], [moved, moved])

    all.scatter("id", client.ids, flatten: true)
    checks.equal("reference", try all.apply(square, Reference("id")).get(), client.ids.map { $0 * $0 })
    checks.equal(
      "reference arguments", try all.apply(area, arguments: .reference("id"), .value(10)).get(),
      client.ids.map { $0 * 10 })

    let records = client.history
    checks.check("history", records.count > 10 && records.allSatisfy { $0.state == .succeeded })
    if let record = records.first(where: { $0.function == "area" }) {
      checks.check(
        "history record", record.engineID != nil && record.started != nil && record.completed != nil)
      checks.check("history elapsed", (record.elapsed ?? -1) >= 0)
    }
    let r = client[0].apply(sleepFor, 0.05)
    _ = try r.get()
    let meta = r.metadata[0]
    checks.check("metadata times", (meta.elapsed ?? 0) >= 0.04, "elapsed \(String(describing: meta.elapsed))")
    checks.equal("metadata engine", meta.engineID, 0)
    checks.equal("successful", r.successful, true)
  }

  /// LoadBalancedView apply and map: chunks, order, least load.
  static func loadBalanced(_ client: Client, _ checks: Checks) throws {
    let n = client.ids.count
    let lview = client.loadBalancedView()
    checks.equal("lb apply", try lview.apply(square, 12).get(), 144)
    let xs = Array(0..<200)
    for chunk in [1, 3, 50, 1000] {
      checks.equal(
        "lb map chunk \(chunk)", try lview.map(square, xs, chunkSize: chunk).get(), xs.map { $0 * $0 })
    }
    checks.equal("lb map zip", try lview.map(area, [1, 2, 3], [4, 5, 6]).get(), [4, 10, 18])
    checks.equal("lb map empty", try lview.map(square, [Int]()).get(), [])

    // Ordered iteration yields input order; unordered yields completion order.
    let delays = (0..<8).map { Double(8 - $0) * 0.02 }
    let ordered = lview.map(sleepFor, delays)
    checks.equal("ordered iteration", ordered.map(\.index), Array(0..<8))
    let unordered = lview.map(sleepFor, delays, ordered: false)
    var seen: [Int] = []
    for item in unordered { seen.append(item.index) }
    checks.equal("unordered covers all", seen.sorted(), Array(0..<8))
    if n >= 2 {
      checks.check("unordered follows completion", seen != Array(0..<8), "\(seen)")
    }

    // Least load: n equal sleeps run one per engine, all at once.
    let spread = lview.map(sleepFor, Array(repeating: 0.1, count: n))
    checks.equal("least load spreads", Set(try spread.get()), Set(0..<n))
    // Numbers are decoded as they arrive (their replies not kept): their
    // times come from the hub's table.
    let times = spread.metadata
    checks.check(
      "lb map metadata", times.allSatisfy { $0.engineID != nil && ($0.elapsed ?? 0) >= 0.09 }, "\(times)")
    let targeted = client.loadBalancedView(targets: [0])
    checks.equal("lb targets", Set(try targeted.map(sleepFor, [0.0, 0.0, 0.0]).get()), [0])

    // Tasks appear in the history with their engine.
    let history = client.history.filter { $0.function == "sleepFor" }
    checks.check("lb history", history.allSatisfy { $0.state == .succeeded && $0.engineID != nil })
    checks.check("invalid chunk size", (try? lview.map(square, xs, chunkSize: 0).get()) == nil)
    // A chunk size past the items is one chunk, however large (no overflow in its arithmetic).
    let huge = lview.map(square, xs, chunkSize: .max)
    checks.equal("huge chunk size", try huge.get(), xs.map { $0 * $0 })
    checks.equal("huge chunk size is one task", huge.taskIDs.count, 1)
  }

  /// push, pull, subscripts, scatter, gather, remove, names set by functions.
  static func namespace(_ client: Client, _ checks: Checks) throws {
    let n = client.ids.count
    let all = client[...]
    all.push(["a": 5, "b": [1.5, 2.5], "p": Point(x: 1, y: 1, label: "z")])
    checks.equal("pull int", try all.pull("a", as: Int.self).get(), Array(repeating: 5, count: n))
    checks.equal(
      "pull doubles", try all.pull("b", as: [Double].self).get(), Array(repeating: [1.5, 2.5], count: n))
    checks.equal("pull struct", try client[0].pull("p", as: Point.self).get(), Point(x: 1, y: 1, label: "z"))
    all["x"] = 42
    let x: Int? = all["x"]
    checks.equal("subscript shared", x, 42)
    client[0]["y"] = "only here"
    let y: String? = client[0]["y"]
    checks.equal("engine subscript", y, "only here")
    let ys: [String?] = all["y"]
    checks.equal("subscript parts", ys, ["only here"] + Array(repeating: nil, count: n - 1))
    let mixed: Int? = all["nope"]
    checks.equal("subscript missing", mixed, nil)

    // Values set by remote functions are visible to pull and to other functions.
    all.apply(setLocal, "local", 7)
    checks.equal(
      "pull function value", try all.pull("local", as: Int.self).get(), client.ids.map { 700 + $0 })
    checks.equal("read pushed", try all.apply(readLocal, "a").get(), Array(repeating: 5, count: n))

    // Scatter/gather of numbers (raw) and of structs (encoded), uneven and empty parts.
    for count in [0, 1, n - 1, n, 2 * n + 1, 1000] where count >= 0 {
      let values = (0..<count).map { Double($0) * 0.5 }
      all.scatter("v", values)
      checks.equal("gather doubles \(count)", try all.gather("v", as: [Double].self).get(), values)
      let ints = Array(0..<count)
      all.scatter("i", ints)
      checks.equal("gather ints \(count)", try all.gather("i", as: [Int].self).get(), ints)
      let points = (0..<count).map { Point(x: Double($0), y: 0, label: $0 % 2 == 0 ? nil : "odd") }
      all.scatter("pts", points)
      checks.equal("gather structs \(count)", try all.gather("pts", as: [Point].self).get(), points)
    }
    all.scatter("v", (0..<(3 * n)).map(Double.init))
    checks.equal(
      "scattered parts", try all.pull("v", as: [Double].self).get(),
      (0..<n).map { e in (3 * e..<3 * e + 3).map(Double.init) })
    checks.equal(
      "sum parts by reference", try all.apply(sumArray, Reference("v")).get().reduce(0, +),
      Double((0..<(3 * n)).reduce(0, +)))
    all.scatter("f", client.ids, flatten: true)
    checks.equal("flatten stores scalars", try all.pull("f", as: Int.self).get(), client.ids)
    checks.equal("gather flattened", try all.gather("f", as: [Int].self).get(), client.ids)
    let labels = client.ids.map { "engine-\($0)" }
    all.scatter("names", labels, flatten: true)
    checks.equal("flatten strings", try all.pull("names", as: String.self).get(), labels)
    checks.equal("gather flattened strings", try all.gather("names", as: [String].self).get(), labels)
    if n >= 3 {
      let sub = client[1...2]
      sub.scatter("s", [1.0, 2.0, 3.0])
      checks.equal("subset gather", try sub.gather("s", as: [Double].self).get(), [1.0, 2.0, 3.0])
      checks.equal("subset pull", try sub.pull("s", as: [Double].self).get(), [[1.0, 2.0], [3.0]])
    }
    // Engines' own MPI among themselves.
    all.scatter("data", (1...100).map(Double.init))
    checks.equal("engines allreduce", try all.apply(enginesSum).get(), Array(repeating: 5050, count: n))

    checks.equal("remove", try all.remove("a").get(), Array(repeating: true, count: n))
    checks.equal("remove again", try all.remove("a").get(), Array(repeating: false, count: n))
    let names = try client[0].apply(namesHere).get()
    checks.check("names", !names.contains("a") && names.contains("b") && names.contains("v"), "\(names)")
  }

  /// Remote errors, composite errors, unknown functions, bad types, timeouts, abort.
  static func errors(_ client: Client, _ checks: Checks) throws {
    let n = client.ids.count
    let all = client[...]
    do {
      _ = try client[0].apply(unregistered, 1).get()
      checks.check("unknown function", false, "no error")
    } catch let error as RemoteError {
      print("ERROR unknown: \(error)")
      checks.check(
        "unknown function", error.message.contains("unknown function 'unregistered'"), error.message)
      checks.equal("unknown function type", error.errorType, "EngineError")
    }
    do {
      _ = try client[0].apply(squareWrongTypes, "x").get()
      checks.check("signature mismatch", false, "no error")
    } catch let error as RemoteError {
      print("ERROR signature: \(error)")
      checks.check(
        "signature mismatch",
        error.message.contains("(Int) -> Int") && error.message.contains("(String) -> String"), error.message)
    }
    do {
      _ = try client[0].pull("missing", as: Int.self).get()
      checks.check("pull missing", false, "no error")
    } catch let error as RemoteError {
      print("ERROR pull: \(error)")
      checks.check("pull missing", error.message.contains("'missing' is not defined"), error.message)
      checks.equal("pull missing engine", error.engineID, 0)
    }
    // An argument that cannot be encoded fails the call on the driver's
    // side, before any task is made: the hub's history does not grow.
    let tasksBefore = client.history.count
    for (name, call) in [
      ("all engines", { try all.apply(takesUnencodable, Unencodable()).get() as Any }),
      ("one engine", { try client[0].apply(takesUnencodable, Unencodable()).get() as Any }),
    ] {
      do {
        _ = try call()
        checks.check("unencodable argument, \(name)", false, "no error")
      } catch let error as ParallelError {
        print("ERROR unencodable: \(error)")
        checks.check(
          "unencodable argument, \(name)",
          "\(error)".contains("could not encode the arguments of apply(takesUnencodable)"), "\(error)")
      }
    }
    checks.equal("no task for an unencodable argument", client.history.count, tasksBefore)
    // A load-balanced map's chunk is encoded as the hub sends it: one that
    // cannot be encoded fails alone, with the encoding error, and the
    // engine the scheduler picked for it takes the next task.
    let unencodable = client.loadBalancedView().map(takesUnencodable, [Unencodable(), Unencodable()])
    do {
      _ = try unencodable.get()
      checks.check("unencodable map items", false, "no error")
    } catch let error as ParallelError {
      checks.check("unencodable map items", "\(error)".contains("could not encode task"), "\(error)")
    }
    checks.equal(
      "map after unencodable items", try client.loadBalancedView().map(square, [1, 2, 3]).get(), [1, 4, 9])
    client[0]["word"] = "hello"
    do {
      _ = try client[0].pull("word", as: Int.self).get()
      checks.check("pull wrong type", false, "no error")
    } catch let error as RemoteError {
      checks.check(
        "pull wrong type", error.message.contains("String") && error.message.contains("Int"), error.message)
    }
    do {
      _ = try client[0].apply(square, Reference("word")).get()
      checks.check("reference wrong type", false, "no error")
    } catch let error as RemoteError {
      checks.check("reference wrong type", error.message.contains("'word' holds"), error.message)
    }
    if n >= 3 {
      let result = all.apply(failOnLow)
      do {
        _ = try result.get()
        checks.check("composite", false, "no error")
      } catch let error as CompositeError {
        print("ERROR composite: \(error)")
        checks.equal("composite engines", error.failures.map(\.engineID), [0, 1])
        checks.check("composite type", error.failures.allSatisfy { $0.errorType == "Boom" })
        checks.check("composite message", error.failures[1].message == "boom on engine 1")
        checks.equal("composite function", error.failures[0].function, "failOnLow")
        checks.check(
          "composite rank and host", error.failures[1].rank == 2 && !error.failures[1].host.isEmpty)
        checks.check("composite task id", error.failures[0].taskID == result.taskIDs[0])
        let outcomes = result.outcomes
        let values = outcomes.compactMap { try? $0.get() }
        checks.equal("partial results", values, (2..<n).map { $0 * 10 })
        checks.equal("successful false", result.successful, false)
      }
    }
    // Gathers that fail on some engines: a missing name, a value of another type.
    all.scatter("g", (0..<(2 * n)).map(Double.init))
    client[0].remove("g")
    do {
      _ = try all.gather("g", as: [Double].self).get()
      checks.check("gather missing", false, "no error")
    } catch let error as CompositeError {
      checks.equal("gather missing engines", error.failures.map(\.engineID), [0])
      checks.check(
        "gather missing message", error.failures[0].message.contains("'g' is not defined"), "\(error)")
    }
    do {
      _ = try all.gather("g", as: [Int].self).get()
      checks.check("gather wrong type", false, "no error")
    } catch let error as CompositeError {
      checks.equal("gather wrong type engines", error.failures.count, n)
      if n > 1 {
        checks.check(
          "gather wrong type message", error.failures.last!.message.contains("Array<Double>"), "\(error)")
      }
    }
    do {
      _ = try all.gather("g", as: [String].self).get()
      checks.check("gather encoded wrong type", false, "no error")
    } catch let error as CompositeError {
      checks.equal("gather encoded wrong type engines", error.failures.count, n)
    }
    if n > 1 {
      checks.equal(
        "gather after errors", try client[[n - 1]].gather("g", as: [Double].self).get(),
        [Double(2 * n - 2), Double(2 * n - 1)])
    }

    // A failing chunk fails its items only.
    let lview = client.loadBalancedView()
    let mapped = lview.map(failIfOdd, Array(0..<6), chunkSize: 2)
    do {
      _ = try mapped.get()
      checks.check("map failure", false, "no error")
    } catch let error as CompositeError {
      checks.equal("map failure count", error.failures.count, 3)
    }
    let items = Array(lview.map(failIfOdd, [0, 1, 2, 4]))
    checks.equal("item results", items.map { try? $0.get() }, [0, nil, 2, 4])
    let outcomes = lview.map(failIfOdd, [0, 1, 2, 3, 4]).outcomes
    checks.equal("outcomes", outcomes.map { try? $0.get() }, [0, nil, 2, nil, 4])
    // The engines keep serving after errors.
    checks.equal("still serving", try all.apply(engineID).get(), Array(0..<n))

    // get(timeout:) times out, then the task still finishes.
    let slow = client[0].apply(sleepFor, 0.5)
    do {
      _ = try slow.get(timeout: .milliseconds(50))
      checks.check("timeout", false, "no timeout")
    } catch let error as ParallelError {
      checks.check("timeout", error == .timeout(taskIDs: slow.taskIDs, seconds: 0.05), "\(error)")
    }
    checks.equal("after timeout", try slow.get(timeout: .seconds(10)), 0)

    // Abort tasks still queued in the hub (with one task per engine at a
    // time, the map waits in the hub behind the busy engines).
    if Cluster.configuration.highWaterMark == 1 {
      let busy = lview.map(sleepFor, Array(repeating: 0.2, count: n))
      let queued = lview.map(square, Array(0..<50))
      let aborted = try queued.abort()
      checks.equal("abort all queued", aborted, queued.taskIDs)
      do {
        _ = try queued.get()
        checks.check("aborted result", false, "no error")
      } catch let error as ParallelError {
        checks.check("aborted result", "\(error)".contains("aborted"), "\(error)")
      }
      _ = try busy.get()
      checks.check(
        "aborted in history",
        client.history.filter { aborted.contains($0.id) }.allSatisfy { $0.state == .aborted })
    }
    // Bad targets.
    do {
      _ = try client[[0, n + 5]].apply(engineID).get()
      checks.check("bad target", false, "no error")
    } catch let error as ParallelError {
      checks.equal("bad target", error, .noSuchEngine(id: n + 5, available: client.ids))
    }
  }

  /// Large data: past the eager limit in both directions.
  static func large(_ client: Client, _ checks: Checks) throws {
    let n = client.ids.count
    let all = client[...]
    let big = (0..<1_000_000).map { Double($0) }
    all.scatter("big", big)
    checks.equal("large gather", try all.gather("big", as: [Double].self).get(), big)
    let sums = try all.apply(sumArray, Reference("big")).get()
    checks.equal("large parts sum", sums.reduce(0, +), big.reduce(0, +))
    let arg = (0..<300_000).map { Double($0 % 97) }
    checks.equal("large argument", try client[0].apply(sumArray, arg).get(), arg.reduce(0, +))
    checks.equal("large result", try client[n - 1].apply(scale, arg, 2).get(), arg.map { $0 * 2 })
    all["shared"] = arg
    checks.equal(
      "large push", try all.pull("shared", as: [Double].self).get(), Array(repeating: arg, count: n))
    // Around the sizes the hub and the engines take whole (`Framing`): a
    // request of 64 KiB and a reply of 16 KiB, a few bytes either side.
    for count in 8_170...8_200 {
      let values = (0..<count).map { Double($0 % 13) }
      checks.equal(
        "argument of \(count) doubles", try client[0].apply(sumArray, values).get(), values.reduce(0, +))
    }
    for count in 2_036...2_052 {
      let values = (0..<count).map { Double($0 % 11) }
      checks.equal(
        "result of \(count) doubles", try client[n - 1].apply(scale, values, 2).get(), values.map { $0 * 2 })
    }
  }

  /// Idle engines must not burn a core.
  static func idle(_ client: Client, _ checks: Checks) throws {
    let all = client[...]
    _ = try all.map(square, Array(0..<1000)).get()
    let before = try all.apply(cpuSeconds).get()
    Thread.sleep(forTimeInterval: 2)
    let after = try all.apply(cpuSeconds).get()
    let percent = zip(before, after).map { ($1 - $0) / 2 * 100 }
    print("IDLE CPU percent per engine: \(percent.map { String(format: "%.2f", $0) })")
    checks.check("idle engines sleep", percent.allSatisfy { $0 < 20 }, "\(percent)")
  }

  /// Several driver threads submitting at once.
  static func concurrent(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    let results = Mutex<[Int: [Int]]>([:])
    DispatchQueue.concurrentPerform(iterations: 8) { thread in
      let xs = Array((thread * 100)..<(thread * 100 + 100))
      let value = (try? lview.map(square, xs, chunkSize: 7).get()) ?? []
      results.withLock { $0[thread] = value }
    }
    let values = results.withLock { $0 }
    for thread in 0..<8 {
      let xs = Array((thread * 100)..<(thread * 100 + 100))
      checks.equal("thread \(thread)", values[thread] ?? [], xs.map { $0 * $0 })
    }
  }

  /// The async forms.
  static func async(_ client: Client, _ checks: Checks) async throws {
    let n = client.ids.count
    let lview = client.loadBalancedView()
    checks.equal("await apply", try await lview.apply(square, 9).value, 81)
    checks.equal("await direct", try await client[...].apply(engineID).value, Array(0..<n))
    var seen: [Int] = []
    for await item in lview.map(square, Array(0..<20), chunkSize: 3) { seen.append(try item.get()) }
    checks.equal("async iteration", seen, (0..<20).map { $0 * $0 })
    var unorderedSeen: [Int] = []
    for await item in lview.map(square, Array(0..<20), ordered: false) { unorderedSeen.append(item.index) }
    checks.equal("async unordered", unorderedSeen.sorted(), Array(0..<20))
    client[...].scatter("v", [1.0, 2.0, 3.0, 4.0])
    checks.equal(
      "await gather", try await client[...].gather("v", as: [Double].self).value, [1.0, 2.0, 3.0, 4.0])
  }
}
