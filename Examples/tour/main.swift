// tour — the IPython.parallel tour, in Swift.
//
// A random matrix's norm on one engine and on the load-balanced view, the pids
// of the engines that served load-balanced calls, `x**10` mapped over
// range(32), pushing and pulling variables, and the error for a name an
// engine does not have.
//
//   mpirun -np 8 .build/debug/tour
import Foundation
import MPIParallel

/// A dense row-major matrix (numpy's 2-D array).
struct Matrix: Codable, Sendable {
  let rows: Int, cols: Int
  var values: [Double]
  subscript(i: Int, j: Int) -> Double { values[i * cols + j] }
}

/// `numpy.linalg.norm(A, 2)`: the largest singular value, by power iteration
/// on AᵀA (its largest eigenvalue is the norm squared).
func spectralNorm(_ A: Matrix) -> Double {
  var v = [Double](repeating: 1 / Double(A.cols).squareRoot(), count: A.cols)
  var lambda = 0.0
  for _ in 0..<1000 {
    let w = (0..<A.rows).map { i in (0..<A.cols).reduce(0.0) { $0 + A[i, $1] * v[$1] } }  // A v
    let u = (0..<A.cols).map { j in (0..<A.rows).reduce(0.0) { $0 + A[$1, j] * w[$1] } }  // Aᵀ(A v)
    let next = u.reduce(0.0) { $0 + $1 * $1 }.squareRoot()  // |AᵀA v| with |v| = 1
    v = u.map { $0 / next }
    if abs(next - lambda) <= 1e-15 * next { return next.squareRoot() }
    lambda = next
  }
  return lambda.squareRoot()
}

struct UnsupportedNorm: Error, CustomStringConvertible {
  let ord: Int
  var description: String { "norm order \(ord) is not implemented (only 2)" }
}

/// `norm(A, ord)`, ord = 2 only.
let norm = RemoteFunction("norm") { (A: Matrix, ord: Int) -> Double in
  guard ord == 2 else { throw UnsupportedNorm(ord: ord) }
  return spectralNorm(A)
}
/// A process of the job: a pid names a process on its host only, so the host goes with it.
struct ProcessName: Codable, Hashable, Sendable, CustomStringConvertible {
  var host: String
  var pid: Int
  var description: String { "\(host):\(pid)" }
}
/// `os.getpid`, with the engine's host
let getPID = RemoteFunction("getpid") { () -> ProcessName in
  ProcessName(host: try EngineContext.current.host, pid: Int(getpid()))
}
/// `lambda x: x**10`
let power10 = RemoteFunction("power10") { (x: Int) -> Int in (0..<10).reduce(1) { acc, _ in acc * x } }

/// SplitMix64 for `numpy.random.random((64, 48))` with a fixed seed.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}

Cluster.run(norm, getPID, power10) { client in
  // rc.ids
  print("engines: \(client.ids)")
  let n = client.ids.count

  // A = numpy.random.random((64, 48))
  var rng = SplitMix64(state: 7)
  let A = Matrix(
    rows: 64, cols: 48, values: (0..<(64 * 48)).map { _ in Double.random(in: 0..<1, using: &rng) })
  let serialNorm = spectralNorm(A)

  // e0 = rc[0]; e0.apply_sync(norm, A, 2): runs on engine 0
  let onEngine0 = try client[0].apply(norm, A, 2).get()
  // lview = rc.load_balanced_view(); lview.apply_sync(norm, A, 2): runs wherever
  let lview = client.loadBalancedView()
  let balanced = try lview.apply(norm, A, 2).get()
  print(
    String(
      format: "norm(A, 2): engine 0 %.12f, load-balanced %.12f, serial %.12f", onEngine0, balanced, serialNorm
    ))
  try check("norm on engine 0 equals serial", abs(onEngine0 - serialNorm) < 1e-9)
  try check("norm on the load-balanced view equals serial", abs(balanced - serialNorm) < 1e-9)

  // for i in range(2 * n): lview.apply(os.getpid) — submit them all, then wait
  let calls = (0..<(2 * n)).map { _ in lview.apply(getPID) }
  let processes = try calls.map { try $0.get() }
  let engineOf = Dictionary(
    uniqueKeysWithValues: client.engines.map { (ProcessName(host: $0.host, pid: $0.pid), $0.id) })
  print("processes seen: \(Set(processes.map(\.description)).sorted())")
  print("engines behind them: \(Set(processes.compactMap { engineOf[$0] }).sorted())")
  try check(
    "every process is an engine's (host and pid)", processes.allSatisfy { engineOf[$0] != nil },
    "\(processes) vs \(client.engines)")

  // dview = rc[:]; dview.map_sync(lambda x: x**10, range(32))
  let xs = Array(0..<32)
  let serialPowers = xs.map { x in (0..<10).reduce(1) { acc, _ in acc * x } }
  let dview = client[...]
  let powers = try dview.map(power10, xs).get()
  print("x**10: \(powers.prefix(4)) ... \(powers.last!)")
  try check("DirectView map of x**10 equals serial", powers == serialPowers)
  try check("LoadBalancedView map of x**10 equals serial", try lview.map(power10, xs).get() == serialPowers)

  // dview.push(dict(a=1.03234, b=3453)); dview.pull('a'); dview['b']
  try dview.push(["a": 1.03234, "b": 3453]).get()
  let a = try dview.pull("a", as: Double.self).get()
  let b: Int? = dview["b"]
  print("pull('a') = \(a)")
  print("dview['b'] = \(b.map(String.init) ?? "nil")")
  try check("pull returns one value per engine", a == Array(repeating: 1.03234, count: n))
  try check("the subscript reads the shared value", b == 3453)

  // rc[0]['onlyOnZero'] = [1.0, 2.0, 3.0]: one engine's namespace only
  client[0]["onlyOnZero"] = [1.0, 2.0, 3.0]
  let mine = try client[0].pull("onlyOnZero", as: [Double].self).get()
  let everywhere: [[Double]?] = dview["onlyOnZero"]
  print("rc[0].pull('onlyOnZero') = \(mine)")
  print("dview['onlyOnZero'] = \(everywhere.map { $0.map { "\($0)" } ?? "nil" })")
  try check("engine 0 holds it", mine == [1.0, 2.0, 3.0])
  try check(
    "only engine 0 holds it", everywhere.enumerated().allSatisfy { ($0.offset == 0) == ($0.element != nil) })

  // rc[1].pull('onlyOnZero'): a NameError in IPython; here a RemoteError saying where.
  guard n >= 2 else { return }
  do {
    _ = try client[1].pull("onlyOnZero", as: [Double].self).get()
    try check("pulling a missing name fails", false, "no error")
  } catch let error as RemoteError {
    print("rc[1].pull('onlyOnZero') failed: \(error)")
    try check("the error names the variable", error.message.contains("onlyOnZero"), error.message)
    try check("the error names engine 1", error.engineID == 1 && "\(error)".contains("engine 1"), "\(error)")
  }
  // The same on every engine: one failure per engine that lacks it.
  do {
    _ = try dview.pull("onlyOnZero", as: [Double].self).get()
    try check("pulling from every engine fails", false, "no error")
  } catch let error as CompositeError {
    print(error)
    try check("every other engine reports it", error.failures.map(\.engineID) == Array(1..<n), "\(error)")
  }
}
