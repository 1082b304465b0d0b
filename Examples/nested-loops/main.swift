// nested-loops — parallelizing a nested for loop (IPython.parallel's
// "Parallelizing nested loops" recipe).
//
// The serial code is
//
//     for w in widths:
//         for h in heights:
//             areas.append(area(w, h))
//
// IPython flattens the loop nest with itertools.product, unzips it into two
// sequences and maps over both at once: `view.map(area, ws, hs)`.
//
//   mpirun -np 8 .build/debug/nested-loops
import MPIParallel

/// `def area(w, h): return w * h`
let area = RemoteFunction("area") { (w: Int, h: Int) -> Int in w * h }

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}

let widths = Array(1..<4)  // range(1, 4)
let heights = Array(6..<10)  // range(6, 10)

Cluster.run(area) { client in
  // The serial nested loop, on the driver.
  var serial: [Int] = []
  for w in widths {
    for h in heights { serial.append(w * h) }
  }
  print("serial:   \(serial)")

  // ws, hs = zip(*itertools.product(widths, heights))
  let pairs = widths.flatMap { w in heights.map { h in (w, h) } }
  let ws = pairs.map(\.0)
  let hs = pairs.map(\.1)
  print("ws = \(ws)")
  print("hs = \(hs)")

  // lview = rc.load_balanced_view(); areas = lview.map_sync(area, ws, hs)
  // The two sequences are zipped: task i computes area(ws[i], hs[i]).
  let lview = client.loadBalancedView()
  let result = lview.map(area, ws, hs)
  let areas = try result.get()
  print("parallel: \(areas)")

  // Where did the 12 tasks run?
  let engines = Set(result.metadata.compactMap(\.engineID)).sorted()
  print("\(areas.count) tasks ran on engines \(engines)")

  // Back into the loop's shape: one row of areas per width.
  for (row, w) in widths.enumerated() {
    let slice = areas[(row * heights.count)..<((row + 1) * heights.count)]
    print("w = \(w): \(Array(slice))")
  }

  try check("load-balanced map over the product equals the nested loop", areas == serial, "\(areas)")
  // A DirectView map of the same zipped sequences gives the same list.
  try check("DirectView map agrees", try client[...].map(area, ws, hs).get() == serial)
}
