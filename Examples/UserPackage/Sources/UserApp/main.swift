// A user's program: squares on the engines, checked against a serial computation.
import MPIParallel

let square = RemoteFunction("square") { (x: Int) -> Int in x * x }
let total = RemoteFunction("total") { () -> Int in
  let engine = try EngineContext.current
  let part: [Int] = try engine.get("part")
  return try engine.communicator.allreduce(part.reduce(0, +), .sum)
}

Cluster.run(square, total) { client in
  let numbers = Array(1...100)
  let squares = try client.loadBalancedView().map(square, numbers).get()
  guard squares == numbers.map({ $0 * $0 }) else {
    print("UserApp: MISMATCH in squares")
    throw ParallelError.invalidArgument("squares differ from the serial computation")
  }
  let view = client[...]
  view.scatter("part", squares)
  let sums = try view.apply(total).get()
  let expected = squares.reduce(0, +)
  guard sums.allSatisfy({ $0 == expected }) else {
    print("UserApp: MISMATCH in allreduce: \(sums) != \(expected)")
    throw ParallelError.invalidArgument("allreduce differs from the serial sum")
  }
  print("UserApp: \(client.ids.count) engines; sum of squares 1...100 = \(expected); ok")
}
