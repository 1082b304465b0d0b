// scatter-gather — distributed arrays the IPython.parallel way.
//
// The driver scatters an array of 200,000 normally distributed numbers as `a`
// (one contiguous slice per engine), each engine squares its slice into `b`
// inside its own namespace, and the driver gathers `b` back in engine order.
//
//   mpirun -np 8 .build/debug/scatter-gather
import Foundation
import MPIParallel

/// `def costly_operation(a)`: squares this engine's slice, keeps the squares
/// in the engine's namespace as `b` (a Python global) and returns how many.
let costlyOperation = RemoteFunction("costlyOperation") { (a: [Double]) -> Int in
  let b = a.map { $0 * $0 }
  try EngineContext.current.set("b", b)
  return b.count
}

/// SplitMix64, a small seedable generator, so every run draws the same numbers.
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

/// `numpy.random.randn(n) + 1`: Box-Muller, two normals per pair of uniforms.
func normalsPlusOne(_ n: Int, seed: UInt64) -> [Double] {
  var rng = SplitMix64(state: seed)
  var values: [Double] = []
  values.reserveCapacity(n)
  while values.count < n {
    let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng)
    let u2 = Double.random(in: 0..<1, using: &rng)
    let r = (-2 * log(u1)).squareRoot()
    values.append(r * cos(2 * .pi * u2) + 1)
    if values.count < n { values.append(r * sin(2 * .pi * u2) + 1) }
  }
  return values
}

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}

Cluster.run(costlyOperation) { client in
  let a = normalsPlusOne(200_000, seed: 42)
  let mean = a.reduce(0, +) / Double(a.count)
  let firstThree = a.prefix(3).map { String(format: "%.4f", $0) }
  print("a: \(a.count) numbers, mean \(String(format: "%.4f", mean)), first \(firstThree)")

  // dview = rc[:]; dview.scatter('a', a)
  let dview = client[...]
  dview.scatter("a", a)

  // parts = dview['a']: each engine's slice (one MPI_Scatterv put them there).
  let parts: [[Double]?] = dview["a"]
  for (engine, part) in parts.enumerated() {
    let first = part?.first.map { String(format: "%.4f", $0) } ?? "-"
    print("engine \(engine): a has \(part?.count ?? 0) elements, a[0] = \(first)")
  }
  try check("the slices are a, in engine order", parts.compactMap { $0 }.flatMap { $0 } == a)

  // dview.apply_sync(costly_operation, Reference('a')): each engine passes its own `a`.
  let counts = try dview.apply(costlyOperation, Reference("a")).get()
  print("elements squared per engine: \(counts)")

  // b = dview.gather('b'): the engines' `b` slices, concatenated in engine order.
  let b = try dview.gather("b", as: [Double].self).get()
  print("b: \(b.count) numbers, first \(b.prefix(3).map { String(format: "%.4f", $0) })")

  // The serial computation, element by element.
  let squares = a.map { $0 * $0 }
  try check(
    "counts add up to \(a.count)", counts.reduce(0, +) == a.count && counts == parts.map { $0?.count ?? -1 })
  try check("gathered b has \(a.count) elements", b.count == squares.count, "\(b.count)")
  let mismatches = zip(b, squares).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
  try check(
    "b[i] == a[i]**2 for every i", mismatches.isEmpty,
    "\(mismatches.count) mismatches, first at \(mismatches.first ?? -1)")
}
