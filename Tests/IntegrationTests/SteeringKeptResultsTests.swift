import Foundation
import MPIParallelSteering
import SteeringTestSupport
import XCTest

/// What a served job keeps of finished jobs' results for clients to read
/// again is bounded by bytes (`--kept-results`): a client that pulls a
/// large field again and again does not grow the hub by a field each time.
final class SteeringKeptResultsTests: XCTestCase {
  func testPastTheKeptBytesTheOldestFinishedJobsAreForgottenAndTheNewestKept() throws {
    let job = ServedJob(ranks: 3, extraArguments: ["--kept-results", "1000000"])
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let link = try SteeringLink(try job.waitUntilServing())
    // 100,000 doubles on each of the 2 engines: 1.6 MB per pull, past the 1 MB kept.
    let field = JSONValue.numbers(NumericArray([Double](repeating: 0.5, count: 100_000)))
    let pushed = try link.submit(.push(name: "field", value: field, targets: nil))
    try waitReady(pushed.job, link)

    var pulls: [Int] = []
    for _ in 0..<3 {
      let pull = try link.submit(.pull(name: "field", targets: nil))
      try waitReady(pull.job, link)
      pulls.append(pull.job)
    }
    // Each submission forgets what finished before it past the bytes, the newest finished apart.
    for forgotten in [pushed.job, pulls[0]] {
      expectRefused(
        try link.ask(.wait(job: forgotten, timeout: 1, items: true)), kind: "unknownJob", saying: "forgotten")
    }
    for kept in pulls[1...] {
      let reply = try link.ask(.wait(job: kept, timeout: 5, items: true))
      guard case .job(let status)? = reply.answer else { return XCTFail("job \(kept): \(reply)") }
      XCTAssertEqual(status.items?.count, 2, "job \(kept)")
      guard case .value(let value)? = status.items?.first else { return XCTFail("job \(kept): no value") }
      let values = Self.doubles(value)
      XCTAssertTrue(values == [Double](repeating: 0.5, count: 100_000), "job \(kept): \(values.count) values")
    }

    try Client(connectionFile: job.connectionFile).stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }

  /// A pulled array's numbers (raw, or JSON numbers).
  private static func doubles(_ value: JSONValue) -> [Double] {
    switch value {
    case .numbers(let array): return array.values(as: Double.self) ?? []
    case .array(let values): return values.compactMap { if case .double(let x) = $0 { x } else { nil } }
    default: return []
    }
  }

  private func waitReady(_ id: Int, _ link: SteeringLink, line: UInt = #line) throws {
    let reply = try link.ask(.wait(job: id, timeout: 10, items: false))
    guard case .job(let status)? = reply.answer, status.ready else {
      return XCTFail("job \(id) did not finish: \(reply)", line: line)
    }
  }
}
