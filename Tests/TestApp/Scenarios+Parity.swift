import Foundation
import MPIParallel

extension Scenarios {
  /// Behaviours a program written for ipyparallel relies on: a DirectView
  /// keeps the engine order it was given, a pending result cannot be
  /// resubmitted, views describe themselves, maps take any collection
  /// (needs 4 engines or more).
  static func parity(_ client: Client, _ checks: Checks) throws {
    guard hasEngines(client, checks, atLeast: 4, for: "parity") else { return }
    try engineOrder(client, checks)
    try pendingResubmit(client, checks)
    descriptions(client, checks)
    try collectionMaps(client, checks)
  }

  /// `client[[3, 2, 1, 0]]`: results, targets and metadata in that order;
  /// scatter hands the parts out in that order and gather reads them back.
  static func engineOrder(_ client: Client, _ checks: Checks) throws {
    let reversed = client[[3, 2, 1, 0]]
    checks.equal("order: targets", reversed.targets, [3, 2, 1, 0])
    checks.equal("order: directView targets", client.directView(targets: [2, 0, 3]).targets, [2, 0, 3])
    let applied = reversed.apply(engineID)
    checks.equal("order: apply", try applied.get(timeout: .seconds(30)), [3, 2, 1, 0])
    checks.equal("order: apply metadata", applied.metadata.map(\.engineID), [3, 2, 1, 0])
    checks.equal(
      "order: mixed apply", try client[[1, 3, 0]].apply(engineID).get(timeout: .seconds(30)), [1, 3, 0])
    let mapped = reversed.map(sleepFor, Array(repeating: 0.0, count: 8))
    checks.equal("order: map blocks", try mapped.get(timeout: .seconds(30)), [3, 3, 2, 2, 1, 1, 0, 0])
    checks.equal("order: map metadata", mapped.metadata.map(\.engineID), [3, 2, 1, 0])
    // Duplicates are dropped, the first occurrence kept.
    checks.equal("order: duplicates", client[[2, 0, 2, 0]].targets, [2, 0])
    checks.equal(
      "order: duplicates apply", try client[[2, 0, 2]].apply(engineID).get(timeout: .seconds(30)), [2, 0])

    _ = try reversed.apply(setLocal, "mark", 1).get(timeout: .seconds(30))
    checks.equal(
      "order: pull", try reversed.pull("mark", as: Int.self).get(timeout: .seconds(30)), [103, 102, 101, 100])
    let marks: [Int?] = reversed["mark"]
    checks.equal("order: subscript pull", marks, [103, 102, 101, 100])

    // Numbers (raw MPI_Scatterv) and encoded values, each round-tripped.
    let all = client[0..<4]
    try reversed.scatter("ints", Array(0..<8)).get(timeout: .seconds(30))
    checks.equal(
      "order: scatter parts", try all.pull("ints", as: [Int].self).get(timeout: .seconds(30)),
      [[6, 7], [4, 5], [2, 3], [0, 1]])
    checks.equal(
      "order: gather inverts scatter", try reversed.gather("ints", as: [Int].self).get(timeout: .seconds(30)),
      Array(0..<8))
    checks.equal(
      "order: gather in the view's order", try all.gather("ints", as: [Int].self).get(timeout: .seconds(30)),
      [6, 7, 4, 5, 2, 3, 0, 1])
    let doubles = (0..<10).map { Double($0) / 2 }
    try client[[2, 0, 3, 1]].scatter("doubles", doubles).get(timeout: .seconds(30))
    checks.equal(
      "order: doubles round trip",
      try client[[2, 0, 3, 1]].gather("doubles", as: [Double].self).get(timeout: .seconds(30)), doubles)
    checks.equal(
      "order: doubles on engine 2",
      try client[2].pull("doubles", as: [Double].self).get(timeout: .seconds(30)),
      Array(doubles[0..<3]))
    let points = (0..<6).map { Point(x: Double($0), y: 0, label: "p\($0)") }
    try reversed.scatter("points", points).get(timeout: .seconds(30))
    checks.equal(
      "order: encoded round trip", try reversed.gather("points", as: [Point].self).get(timeout: .seconds(30)),
      points)
    checks.equal(
      "order: encoded on engine 3", try client[3].pull("points", as: [Point].self).get(timeout: .seconds(30)),
      Array(points[0..<2]))
    // Flattened: one id per engine, as dv.scatter('id', rc.ids, flatten=True).
    try reversed.scatter("id", [30, 20, 10, 0], flatten: true).get(timeout: .seconds(30))
    checks.equal(
      "order: flattened", try all.pull("id", as: Int.self).get(timeout: .seconds(30)), [0, 10, 20, 30])
    // A broadcast in a user order reaches every engine as well.
    try reversed.push(["shared": 7]).get(timeout: .seconds(30))
    checks.equal(
      "order: push", try reversed.pull("shared", as: Int.self).get(timeout: .seconds(30)), [7, 7, 7, 7])
  }

  /// A result with a task still pending cannot be resubmitted; nothing new is submitted.
  static func pendingResubmit(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    let slow = lview.apply(sleepFor, 1.0)
    let before = client.history.count
    do {
      _ = try slow.resubmit()
      checks.check("resubmit pending apply refused", false, "no error")
    } catch ParallelError.invalidArgument(let message) {
      checks.check(
        "resubmit pending apply refused",
        message.contains("pending") && message.contains("\(slow.taskIDs[0])"),
        message)
    }
    let slowMap = lview.map(sleepFor, [1.0, 0.0])
    let beforeMap = client.history.count
    do {
      _ = try slowMap.resubmit()
      checks.check("resubmit pending map refused", false, "no error")
    } catch ParallelError.invalidArgument(let message) {
      checks.check("resubmit pending map refused", message.contains("pending"), message)
    }
    checks.equal("resubmit pending submits nothing", client.history.count, beforeMap)
    checks.equal("resubmit pending apply submitted nothing", beforeMap, before + 2)
    _ = try slow.get(timeout: .seconds(30))
    _ = try slowMap.get(timeout: .seconds(30))
    // Once finished, it can be.
    let again = try slow.resubmit()
    checks.check("resubmit finished", (try again.get(timeout: .seconds(30))) >= 0)
    checks.check("resubmit finished is a new task", again.taskIDs != slow.taskIDs)
  }

  static func descriptions(_ client: Client, _ checks: Checks) {
    checks.equal("description: DirectView", "\(client[[3, 2, 1, 0]])", "<DirectView [3, 2, 1, 0]>")
    checks.equal("description: all", String(describing: client[0..<4]), "<DirectView [0, 1, 2, 3]>")
    checks.equal("description: LoadBalancedView", "\(client.loadBalancedView())", "<LoadBalancedView>")
    checks.equal(
      "description: LoadBalancedView targets", "\(client.loadBalancedView(targets: [2, 1]))",
      "<LoadBalancedView [2, 1]>")
  }

  /// Maps over ranges and slices, as over arrays.
  static func collectionMaps(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    checks.equal(
      "map: range", try lview.map(square, 0..<32).get(timeout: .seconds(30)), (0..<32).map { $0 * $0 })
    checks.equal(
      "map: range chunked",
      try lview.map(square, 0..<10, chunkSize: 3, ordered: false).get(timeout: .seconds(30)),
      (0..<10).map { $0 * $0 })
    let xs = Array(10..<30)
    let dv = client[[1, 0]]
    checks.equal(
      "map: slice", try dv.map(square, xs[..<8]).get(timeout: .seconds(30)), xs[..<8].map { $0 * $0 })
    checks.equal(
      "map: stride", try dv.map(square, stride(from: 0, to: 9, by: 3)).get(timeout: .seconds(30)), [0, 9, 36])
    checks.equal("map: array still", try dv.map(square, [2, 3]).get(timeout: .seconds(30)), [4, 9])
  }
}
