import Foundation
import MPIParallel

extension Scenarios {
  /// A farm of `count` tasks under a journal: prints "done I" as each task's
  /// result arrives, then checks every value. Killed and restarted, it must
  /// finish without running again what was done.
  static func journalFarm(_ client: Client, _ checks: Checks, log: String, count: Int = 200) throws {
    Cluster.lineBufferStandardOutput()
    let xs = Array(0..<count)
    let result = client.loadBalancedView().map(
      loggedSquare, xs, Array(repeating: log, count: xs.count), ordered: false)
    var values = [Int?](repeating: nil, count: xs.count)
    for item in result {
      values[item.index] = try item.get()
      print("done \(item.index)")
    }
    checks.equal("farm values", values.map { $0 ?? -1 }, xs.map { $0 * $0 })
    print("FARM OK")
  }

  /// Item 7 traps its engine. The first two runs crash; in the third it is
  /// quarantined and every other item completes.
  static func journalCrash(_ client: Client, _ checks: Checks) throws {
    let xs = Array(0..<20)
    let outcomes = client.loadBalancedView().map(crashOn, xs, Array(repeating: 7, count: xs.count)).outcomes
    for (index, outcome) in outcomes.enumerated() where index != 7 {
      checks.equal("item \(index)", try? outcome.get(), index + 1)
    }
    do {
      _ = try outcomes[7].get()
      checks.check("item 7 quarantined", false, "it ran")
    } catch let error as ParallelError {
      if case .quarantined = error {
        print("QUARANTINED 7: \(error)")
        checks.check("item 7 quarantined", true)
      } else {
        checks.check("item 7 quarantined", false, "\(error)")
      }
    }
  }
}
