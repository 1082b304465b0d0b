// pi — Monte Carlo estimate of pi, the "hello world" of parallel computing.
//
// Every engine throws darts at the unit square and counts those that land in
// the quarter circle; the driver sums the counts: pi ~ 4 * inside / samples.
// Each engine's stream of random numbers is seeded by its engine id, so the
// driver can replay exactly the same streams serially and check the sum.
//
//   mpirun -np 8 .build/release/pi [--samples N]      # default N = 1e8
import Foundation
import MPIParallel

/// SplitMix64: a tiny, fast, seedable generator (the system generator reads
/// the kernel's entropy and would dominate the run time).
struct SplitMix64 {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  /// A uniform Double in [0, 1) from the top 53 bits.
  mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// How many of `total` samples engine `id` of `engines` takes (the first
/// `total % engines` engines take one more).
func share(of total: Int, engine id: Int, of engines: Int) -> Int {
  total / engines + (id < total % engines ? 1 : 0)
}

/// `def mc_pi(n)`: darts inside the quarter circle, from the stream seeded by `seed`.
func countInside(samples: Int, seed: Int) -> Int {
  var rng = SplitMix64(state: 20_240_611 &+ UInt64(seed))
  var inside = 0
  for _ in 0..<samples {
    let x = rng.unit()
    let y = rng.unit()
    if x * x + y * y < 1 { inside += 1 }
  }
  return inside
}

/// The remote function: each engine works out its own share of the total
/// from `EngineContext` (its id and the engine count) and seeds by its id.
let monteCarlo = RemoteFunction("monteCarlo") { (total: Int) -> Int in
  let engine = try EngineContext.current
  return countInside(samples: share(of: total, engine: engine.id, of: engine.count), seed: engine.id)
}

/// `--samples N` (N may be written 1e8).
func samplesArgument() -> Int {
  let args = CommandLine.arguments
  if let i = args.firstIndex(of: "--samples"), i + 1 < args.count, let n = Double(args[i + 1]), n >= 1 {
    return Int(n)
  }
  return 100_000_000
}

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

let samples = samplesArgument()

Cluster.run(monteCarlo) { client in
  let engines = client.ids.count
  print("\(samples) samples over \(engines) engines")

  // dview = rc[:]; counts = dview.apply_sync(mc_pi, n // len(rc.ids))
  // One call per engine, the same argument everywhere; one count back per engine.
  let dview = client[...]
  let start = now()
  let counts = try dview.apply(monteCarlo, samples).get()
  let parallelTime = now() - start
  let inside = counts.reduce(0, +)
  let estimate = 4 * Double(inside) / Double(samples)
  print("per-engine counts: \(counts)")
  print(
    String(format: "pi ~ %.8f  (error %.2e)  in %.3f s", estimate, abs(estimate - Double.pi), parallelTime))

  // The serial computation: the same streams, one after another, on the driver.
  let serialStart = now()
  let serialCounts = (0..<engines).map {
    countInside(samples: share(of: samples, engine: $0, of: engines), seed: $0)
  }
  let serialTime = now() - serialStart
  print(String(format: "serial: %.3f s  speed-up %.2fx", serialTime, serialTime / parallelTime))

  try check("per-engine counts equal serial", counts == serialCounts, "\(counts) != \(serialCounts)")
  try check("total equals serial", inside == serialCounts.reduce(0, +))
  if samples >= 100_000_000 {
    try check("|estimate - pi| < 1e-3", abs(estimate - Double.pi) < 1e-3, "\(estimate)")
  }
}
