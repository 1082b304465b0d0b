// The integration tests' program: `mpirun -np N mpp-testapp SCENARIO`. Each
// scenario checks its own results against values computed here, prints
// "CHECK <name>: ok" per passed check and "FAIL <name>: ..." per failure, and
// exits non-zero when any check failed.
import Foundation
import MPI
import MPIParallel
import Synchronization

struct Point: Codable, Sendable, Equatable {
  var x: Double
  var y: Double
  var label: String?
}

struct Boom: Error, CustomStringConvertible {
  let engine: Int
  var description: String { "boom on engine \(engine)" }
}

let engineID = RemoteFunction("engineID") { () -> Int in try EngineContext.current.id }
let engineCount = RemoteFunction("engineCount") { () -> Int in try EngineContext.current.count }
let square = RemoteFunction("square") { (x: Int) -> Int in x * x }
let area = RemoteFunction("area") { (w: Int, h: Int) -> Int in w * h }
let scale = RemoteFunction("scale") { (values: [Double], factor: Double) -> [Double] in
  values.map { $0 * factor }
}
let sumArray = RemoteFunction("sumArray") { (values: [Double]) -> Double in values.reduce(0, +) }
let describePoint = RemoteFunction("describePoint") { (p: Point) -> String in
  "\(p.x),\(p.y),\(p.label ?? "-")"
}
let movePoint = RemoteFunction("movePoint") { (p: Point, dx: Double) -> Point in
  Point(x: p.x + dx, y: p.y, label: p.label)
}
let failOnLow = RemoteFunction("failOnLow") { () -> Int in
  let id = try EngineContext.current.id
  if id < 2 { throw Boom(engine: id) }
  return id * 10
}
let failIfOdd = RemoteFunction("failIfOdd") { (x: Int) -> Int in
  if x % 2 == 1 { throw Boom(engine: (try? EngineContext.current.id) ?? -1) }
  return x
}
let sleepFor = RemoteFunction("sleepFor") { (seconds: Double) -> Int in
  Thread.sleep(forTimeInterval: seconds)
  return try EngineContext.current.id
}
let setLocal = RemoteFunction("setLocal") { (name: String, value: Int) -> Bool in
  let engine = try EngineContext.current
  engine.set(name, value * 100 + engine.id)
  return true
}
let readLocal = RemoteFunction("readLocal") { (name: String) -> Int in try EngineContext.current.get(name) }
let namesHere = RemoteFunction("namesHere") { () -> [String] in try EngineContext.current.names }
let crash = RemoteFunction("crash") { (target: Int) -> Int in
  let id = try EngineContext.current.id
  if id == target { fatalError("deliberate crash on engine \(id)") }
  return id
}
let cpuSeconds = RemoteFunction("cpuSeconds") { () -> Double in
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
    + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
let enginesSum = RemoteFunction("enginesSum") { () -> Double in
  let engine = try EngineContext.current
  let part: [Double] = try engine.get("data")
  return try engine.communicator.allreduce(part.reduce(0, +), .sum)
}
let isEngineTwo = RemoteFunction("isEngineTwo") { () -> Bool in try EngineContext.current.id == 2 }
let never = RemoteFunction("never") { () -> Bool in false }
let capabilitiesHere = RemoteFunction("capabilitiesHere") { () -> [String] in
  try EngineContext.current.capabilities.sorted()
}
/// Appends "ran X" to the file `log` (each run of the task leaves a line), then squares.
let loggedSquare = RemoteFunction("loggedSquare") { (x: Int, log: String) -> Int in
  let line = "ran \(x)\n"
  let file = open(log, O_WRONLY | O_APPEND | O_CREAT, 0o644)
  if file >= 0 {
    _ = line.withCString { write(file, $0, strlen($0)) }
    close(file)
  }
  Thread.sleep(forTimeInterval: 0.16)
  return x * x
}
/// Traps its engine when x == bad.
let crashOn = RemoteFunction("crashOn") { (x: Int, bad: Int) -> Int in
  if x == bad { fatalError("deliberate crash on item \(x)") }
  return x + 1
}
/// Registered nowhere: calling it must fail with an unknown-function error.
let flagSet = RemoteFunction("flagSet") { (name: String) -> Bool in
  (try? EngineContext.current.get(name, as: Bool.self)) ?? false
}
let unregistered = RemoteFunction("unregistered") { (x: Int) -> Int in x }
/// A value whose encoding always fails, and a function taking it (never sent).
struct Unencodable: Codable, Sendable {
  struct Refused: Error {}
  init() {}
  init(from decoder: Decoder) throws { throw Refused() }
  func encode(to encoder: Encoder) throws { throw Refused() }
}
let takesUnencodable = RemoteFunction("takesUnencodable") { (_: Unencodable) -> Int in 0 }
/// Same name as `square`, other types: calling it must fail with a signature error.
let squareWrongTypes = RemoteFunction("square") { (x: String) -> String in x }

/// Whether Open MPI takes its internal locks in this process: "on", "off", or "none" (another MPI).
func openMPILocks() -> String { MPI.openMPIInternalLocks.map { $0 ? "on" : "off" } ?? "none" }
let openMPILocksHere = RemoteFunction("openMPILocksHere") { () -> String in openMPILocks() }
/// Whether Open MPI yields the core on each empty poll in this process: "on", "off", or "none".
func openMPIYield() -> String { MPI.openMPIYieldsWhenIdle.map { $0 ? "on" : "off" } ?? "none" }
let openMPIYieldHere = RemoteFunction("openMPIYieldHere") { () -> String in openMPIYield() }

let functions: [any RemoteFunctionProtocol] = [
  engineID, engineCount, square, area, scale, sumArray, describePoint, movePoint, failOnLow, failIfOdd,
  sleepFor,
  setLocal, readLocal, namesHere, crash, cpuSeconds, enginesSum, isEngineTwo, never, capabilitiesHere,
  loggedSquare, crashOn, flagSet, openMPILocksHere, openMPIYieldHere, lossSquare, exitOn, engineIDOf,
  countedSleep, runsOf, failAfter, engineSum, remember, double, onlyOn,
]

/// Engine 1 advertises "gpu" (tasks can require it).
let configuration: Configuration = {
  var configuration = Configuration()
  configuration.capabilities = [1: ["gpu"]]
  return configuration
}()

/// Counts failed checks; driver threads may check at once.
final class Checks: Sendable {
  private let failed = Mutex(0)
  var failures: Int { failed.withLock { $0 } }
  func check(_ name: String, _ condition: Bool, _ detail: @autoclosure () -> String = "") {
    if condition {
      print("CHECK \(name): ok")
    } else {
      failed.withLock { $0 += 1 }
      print("FAIL \(name): \(detail())")
    }
  }
  func equal<T: Equatable>(_ name: String, _ actual: T, _ expected: T) {
    check(name, actual == expected, "got \(actual), expected \(expected)")
  }
  func finish() throws {
    if failures > 0 { throw ChecksFailed(count: failures) }
    print("ALL CHECKS PASSED")
  }
}

struct ChecksFailed: Error, CustomStringConvertible {
  let count: Int
  var description: String { "\(count) check(s) failed" }
}

let scenario = Cluster.arguments.dropFirst().first ?? "basics"
let checks = Checks()

func runBlocking() -> Never {
  Cluster.run(functions: functions, configuration: configuration) { client in
    switch scenario {
    case "basics": try Scenarios.basics(client, checks)
    case "loadbalanced": try Scenarios.loadBalanced(client, checks)
    case "namespace": try Scenarios.namespace(client, checks)
    case "errors": try Scenarios.errors(client, checks)
    case "large": try Scenarios.large(client, checks)
    case "idle": try Scenarios.idle(client, checks)
    case "concurrent": try Scenarios.concurrent(client, checks)
    case "scheduler": try Scenarios.scheduler(client, checks)
    case "auto-hwm": try Scenarios.automaticHighWaterMark(client, checks)
    case "parity": try Scenarios.parity(client, checks)
    case "ipython": try Scenarios.ipython(client, checks)
    case "abort-direct": try Scenarios.abortDirect(client, checks)
    case "abort-engine-queue": try Scenarios.abortEngineQueue(client, checks)
    case "hwm-direct": try Scenarios.highWaterDirect(client, checks)
    case "retry-timeout": try Scenarios.retryTimeout(client, checks)
    case "journal-farm":
      try Scenarios.journalFarm(
        client, checks, log: Cluster.arguments.dropFirst(2).first ?? "",
        count: Cluster.arguments.dropFirst(3).first.flatMap { Int($0) } ?? 200)
    case "journal-crash": try Scenarios.journalCrash(client, checks)
    case "loss-farm": try Scenarios.lossFarm(client, checks, log: Cluster.arguments.dropFirst(2).first ?? "")
    case "loss-exit-once":
      try Scenarios.lossExit(client, checks, once: true, log: Cluster.arguments.dropFirst(2).first ?? "")
    case "loss-exit-always":
      try Scenarios.lossExit(client, checks, once: false, log: Cluster.arguments.dropFirst(2).first ?? "")
    case "loss-collective": try Scenarios.lossCollective(client, checks)
    case "loss-stuck": try Scenarios.lossStuck(client, checks)
    case "retire": try Scenarios.retire(client, checks)
    case "add-engines": try Scenarios.addEngines(client, checks)
    case "add-refused": try Scenarios.addRefused(client, checks)
    case "replace-lost": try Scenarios.replaceLost(client, checks)
    case "crash":
      print("crashing engine 1")
      _ = try client[...].apply(crash, 1).get(timeout: .seconds(30))
      print("UNREACHABLE: the crash did not end the job")
    case "serve-while-driving":
      // The driver works on while steering clients come and go; a client
      // pushing done = true on engine 0 ends it.
      print("SERVING \(try client.serve())")
      var rounds = 0
      let start = Date()
      while Date().timeIntervalSince(start) < 60 {
        let squares = try client.loadBalancedView().map(square, Array(0..<10)).get()
        checks.equal("driver round \(rounds)", squares, (0..<10).map { $0 * $0 })
        rounds += 1
        if try client[0].apply(flagSet, "done").get() { break }
        Thread.sleep(forTimeInterval: 0.02)
      }
      print("DRIVER DONE after \(rounds) rounds")
    case "driver-error":
      _ = try client[...].apply(engineID).get()
      throw Boom(engine: -1)
    default:
      print("unknown scenario \(scenario)")
      throw ChecksFailed(count: 1)
    }
    try checks.finish()
  }
}

if scenario == "async" {
  await Cluster.run(functions: functions) { client in
    try await Scenarios.async(client, checks)
    try checks.finish()
  }
}
runBlocking()
