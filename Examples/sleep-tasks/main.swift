// sleep-tasks — load balancing made visible with tasks that only sleep.
//
// From IPython.parallel's AsyncResult notebook: map `sleep_here` over tasks of
// growing length on a LoadBalancedView and print each result as it arrives;
// the engine ids show how the hub hands tasks to whichever engine is free.
// Then the same with chunks of 4 tasks, then a DirectView apply with each
// engine's own `id` passed by Reference. Last, the same 32 tasks handed out
// in order (the best any online balancer does) and with cost hints, where the
// hub runs the longest first (LPT) and finishes sooner.
//
//   mpirun -np 8 .build/debug/sleep-tasks
import Foundation
import MPIParallel

/// What `sleep_here` returns: `(id, t)` in Python.
struct Nap: Codable, Sendable, Equatable {
  let engine: Int
  let seconds: Double
}

/// `def sleep_here(t): time.sleep(t); return id, t`, where `id` is the global
/// the driver scattered into the engine's namespace.
let sleepHere = RemoteFunction("sleepHere") { (t: Double) -> Nap in
  Thread.sleep(forTimeInterval: t)
  return Nap(engine: try EngineContext.current.get("id", as: Int.self), seconds: t)
}

/// The DirectView demo takes the id as its argument and sleeps 0.05 s per id.
let sleepByID = RemoteFunction("sleepByID") { (id: Int) -> Nap in
  let t = 0.05 * Double(id)
  Thread.sleep(forTimeInterval: t)
  return Nap(engine: id, seconds: t)
}

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

Cluster.lineBufferStandardOutput()  // print each line as it happens, even into a pipe

/// Where the timeline pictures go (`--timeline-dir DIR`; default: the current directory).
let timelineDirectory: String = {
  let arguments = Cluster.arguments
  if let index = arguments.firstIndex(of: "--timeline-dir"), index + 1 < arguments.count {
    return arguments[index + 1]
  }
  return FileManager.default.currentDirectoryPath
}()

Cluster.run(sleepHere, sleepByID) { client in
  var timeline = Timeline(entries: [])
  let engines = client.ids.count
  let dview = client[...]
  // dview.scatter('id', rc.ids, flatten=True): engine i now holds the plain Int `id = i`.
  try dview.scatter("id", client.ids, flatten: true).get()

  // lview = rc.load_balanced_view()
  let lview = client.loadBalancedView()
  let times = (0..<32).map { 0.01 * Double($0) }
  let totalSleep = times.reduce(0, +)

  for chunkSize in [1, 4] {
    print("--- LoadBalancedView.map(sleep_here, [0.01*i for i in range(32)], chunksize=\(chunkSize))")
    let start = now()
    // amr = lview.map(sleep_here, times, chunksize=..., ordered=False)
    let amr = lview.map(sleepHere, times, chunkSize: chunkSize, ordered: false)
    defer {
      timeline = timeline + Timeline(metadata: amr.metadata, function: "load-balanced, chunk \(chunkSize)")
    }
    // for r in amr: ...  — items arrive in completion order
    var seen: [Int] = []
    var used = Set<Int>()
    var wrong: [Int] = []
    for item in amr {
      let nap = try item.get()
      print(String(format: "task %2d on engine %d: %.2f", item.index, nap.engine, nap.seconds))
      // The value must be this task's own, computed where the metadata says it ran.
      if nap.seconds != times[item.index] || nap.engine != item.metadata.engineID { wrong.append(item.index) }
      seen.append(item.index)
      used.insert(nap.engine)
    }
    let makespan = now() - start
    print(
      String(
        format: "makespan %.2f s for %.2f s of sleep on %d engines (ideal %.2f s); engines used: %d",
        makespan, totalSleep, engines, totalSleep / Double(engines), used.count))
    try check("chunkSize \(chunkSize): every task ran once", seen.sorted() == Array(0..<32), "\(seen)")
    try check("chunkSize \(chunkSize): every value right", wrong.isEmpty, "tasks \(wrong)")
    try check("chunkSize \(chunkSize): faster than serial", makespan < totalSleep, "\(makespan) s")
  }

  // dview.apply(sleep_by_id, Reference('id')): every engine passes its own `id`.
  print("--- DirectView.apply(sleep_by_id, Reference('id'))")
  let start = now()
  let direct = dview.apply(sleepByID, Reference("id"))
  let naps = try direct.get()
  timeline = timeline + Timeline(metadata: direct.metadata, function: "direct")
  let makespan = now() - start
  for (engine, nap) in zip(client.ids, naps) {
    print(String(format: "engine %d: slept %.2f s (id %d)", engine, nap.seconds, nap.engine))
  }
  print(String(format: "makespan %.2f s (the longest sleep is %.2f s)", makespan, 0.05 * Double(engines - 1)))
  let expected = client.ids.map { Nap(engine: $0, seconds: 0.05 * Double($0)) }
  try check("DirectView: one result per engine, in engine order", naps == expected, "\(naps)")

  // Cost hints: lview.map(sleep_here, times, costs=times) hands out the longest
  // task first over the whole queue. In order, the last long tasks start late;
  // longest first, the engines finish together, close to total / engines.
  print("--- the same 32 tasks in order, then with cost hints (longest first)")
  var makespans: [Double] = []
  for hinted in [false, true] {
    let start = now()
    let result = lview.map(sleepHere, times, costs: hinted ? times : nil)
    let naps = try result.get()
    timeline = timeline + Timeline(metadata: result.metadata, function: hinted ? "longest first" : "in order")
    makespans.append(now() - start)
    try check("\(hinted ? "hinted" : "in order"): every value right", naps.map(\.seconds) == times)
  }
  let bound = totalSleep / Double(engines)
  print(
    String(
      format: "makespan in order %.3f s, with cost hints %.3f s; lower bound (total / engines) %.3f s",
      makespans[0], makespans[1], bound))

  // One picture of every run: a row per engine, a bar per task (SVG), and the
  // same as a Chrome trace for Perfetto (ui.perfetto.dev, chrome://tracing).
  timeline.title = "sleep-tasks: five runs, one colour each"
  let svg = timelineDirectory + "/sleep-tasks-timeline.svg"
  let trace = timelineDirectory + "/sleep-tasks-trace.json"
  try timeline.writeSVG(to: svg)
  try timeline.writeChromeTrace(to: trace)
  print("timeline: \(svg), \(trace)")
  try check(
    "timeline has every task", timeline.entries.count == 32 + 32 / 4 + engines + 32 + 32,
    "\(timeline.entries.count)")
}
