// primes — IPython.parallel's "is this number prime?" example.
//
// The same pure function is mapped three ways: serially on the driver, over a
// DirectView (one block of inputs per engine) and over a LoadBalancedView (one
// task per input, handed to whichever engine is free). Both parallel results
// must equal the serial one.
//
//   swift build -c release --product primes
//   mpirun -np 8 .build/release/primes        # rank 0 = hub + driver, 7 engines
import Foundation
import MPIParallel

/// `def is_prime(n)`: trial division by the odd numbers up to sqrt(n).
func isPrime(_ n: Int) -> Bool {
  if n < 2 { return false }
  if n % 2 == 0 { return n == 2 }
  var limit = Int(Double(n).squareRoot())
  while (limit + 1) * (limit + 1) <= n { limit += 1 }  // exact floor(sqrt(n))
  var divisor = 3
  while divisor <= limit {
    if n % divisor == 0 { return false }
    divisor += 2
  }
  return true
}

/// The remote version, registered on every rank under the name "isPrime"
/// (IPython pickles the function; here each rank has the same code).
let isPrimeRemote = RemoteFunction("isPrime") { (n: Int) -> Bool in isPrime(n) }

/// PRIMES from the notebook, repeated to 24 inputs. (The last one,
/// 1099726899285419 = 3306091 * 332636609, is not prime, as in the original.)
let PRIMES = [
  112_272_535_095_293, 112_582_705_942_171, 112_272_535_095_293, 115_280_095_190_773, 115_797_848_077_099,
  1_099_726_899_285_419,
]
let numbers = Array([[Int]](repeating: PRIMES, count: 4).joined())

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}

/// `%time`: runs `body`, returns its value and the wall-clock seconds it took.
func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
  let start = DispatchTime.now().uptimeNanoseconds
  let value = try body()
  return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
func seconds(_ t: Double) -> String { String(format: "%.3f s", t) }

Cluster.run(isPrimeRemote) { client in
  print("\(client.ids.count) engines, \(numbers.count) numbers")

  // Serial reference, on the driver: `%time results = list(map(is_prime, PRIMES))`
  let (serial, serialTime) = timed { numbers.map(isPrime) }
  for (n, prime) in zip(PRIMES, serial) { print("\(n) is prime: \(prime)") }
  print("serial:          \(seconds(serialTime))")

  // dview = rc[:]; dview.map_sync(is_prime, PRIMES)
  // A DirectView map cuts the inputs into one contiguous block per engine.
  let dview = client[...]
  let (direct, directTime) = try timed { try dview.map(isPrimeRemote, numbers).get() }
  print(
    "DirectView.map:  \(seconds(directTime))  speed-up \(String(format: "%.2f", serialTime / directTime))x")

  // lview = rc.load_balanced_view(); lview.map_sync(is_prime, PRIMES)
  // Each number is a task of its own, sent to the least loaded engine.
  let lview = client.loadBalancedView()
  let balancedResult = lview.map(isPrimeRemote, numbers)
  let (balanced, balancedTime) = try timed { try balancedResult.get() }
  let speedUp = String(format: "%.2f", serialTime / balancedTime)
  print("LoadBalancedView.map: \(seconds(balancedTime))  speed-up \(speedUp)x")

  // The metadata says where each task ran (`ar.metadata[i]['engine_id']`).
  var perEngine: [Int: Int] = [:]
  for meta in balancedResult.metadata { perEngine[meta.engineID ?? -1, default: 0] += 1 }
  print(
    "tasks per engine:",
    perEngine.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " "))

  try check("DirectView.map equals serial", direct == serial, "\(direct) != \(serial)")
  try check("LoadBalancedView.map equals serial", balanced == serial, "\(balanced) != \(serial)")
  try check(
    "every task ran on an engine", perEngine.keys.allSatisfy { client.ids.contains($0) }, "\(perEngine)")
  let expected = [true, true, true, true, true, false]
  try check("known primality", Array(serial.prefix(6)) == expected, "\(serial.prefix(6))")
}
