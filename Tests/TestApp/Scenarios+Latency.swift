import Foundation
import MPIParallel

extension Scenarios {
  /// Run with `--hwm auto`: a farm of tasks of microseconds (each engine's
  /// limit rises, which the hub logs at debug level), then sleep tasks of
  /// tens of milliseconds (the limit falls back to one task per engine, and
  /// the sleeps finish as one task at a time would finish them). Prints
  /// "SLEEPS s" with their makespan.
  static func automaticHighWaterMark(_ client: Client, _ checks: Checks) throws {
    let lview = client.loadBalancedView()
    let xs = Array(0..<20_000)
    checks.equal("auto hwm: a farm of short tasks", try lview.map(square, xs).get(timeout: .seconds(60)), xs.map { $0 * $0 })
    print("SHORT DONE")
    let engines = client.ids.count
    let seconds = Array(repeating: 0.05, count: engines * 4)
    let start = Date()
    let ranOn = try lview.map(sleepFor, seconds).get(timeout: .seconds(60))
    let makespan = Date().timeIntervalSince(start)
    print("SLEEPS \(makespan)")
    // One task at a time per engine: 4 rounds of 0.05 s. Tasks sent ahead
    // to busy engines would leave others idle at the end.
    checks.check("auto hwm: sleeps spread one per engine", makespan < 0.05 * 4 * 1.5, "makespan \(makespan) s")
    checks.equal(
      "auto hwm: every engine slept 4 times", Dictionary(grouping: ranOn, by: { $0 }).mapValues(\.count),
      Dictionary(uniqueKeysWithValues: client.ids.map { ($0, 4) }))
  }
}
