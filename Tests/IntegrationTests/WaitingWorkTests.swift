import XCTest

/// Work that waits on an engine behind earlier work, under real MPI: abort
/// reaches it before it starts (direct calls queued behind others,
/// load-balanced tasks in a bundle or sent one by one at a high-water mark
/// above 1), the hub does not report it running, direct work counts against
/// the high-water mark, and a retry's dependency timeout counts only its
/// time in the hub. Each run has a watchdog.
final class WaitingWorkTests: XCTestCase {
  func scenario(
    _ name: String, ranks: Int, options: [String] = [], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let result = try MPIRun.run("mpp-testapp", ranks: ranks, arguments: options + [name], timeout: 90)
    XCTAssertFalse(result.timedOut, result.describe(), file: file, line: line)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: line)
    XCTAssertFalse(result.stdout.contains("FAIL "), result.describe(), file: file, line: line)
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe(), file: file, line: line)
  }

  func testAbortReachesDirectCallsQueuedOnTheirEngine() throws {
    try scenario("abort-direct", ranks: 3)
  }

  func testAbortReachesLoadBalancedTasksWaitingOnEngines() throws {
    try scenario("abort-engine-queue", ranks: 3, options: ["--hwm", "4"])
    try scenario("abort-engine-queue", ranks: 4, options: ["--hwm", "2"])
  }

  func testDirectWorkCountsAgainstTheHighWaterMark() throws {
    for ranks in [3, 5] { try scenario("hwm-direct", ranks: ranks) }
  }

  func testARetryIsNotChargedForItsFirstRun() throws {
    try scenario("retry-timeout", ranks: 3)
  }
}
