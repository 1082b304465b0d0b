import XCTest

/// Checks that the race detector's run can detect: `race-canary` races on
/// purpose, and under Thread Sanitizer (`Scripts/test --sanitize thread`, which
/// sets `MPIPARALLEL_TSAN=1`) it must be reported and fail. Without the
/// sanitizer the test only checks that the canary runs.
final class SanitizerTests: XCTestCase {
  func testTheRaceDetectorReportsAKnownRace() throws {
    let result = try MPIRun.runDirect("race-canary", timeout: 60)
    guard ProcessInfo.processInfo.environment["MPIPARALLEL_TSAN"] == "1" else {
      XCTAssertEqual(result.status, 0, result.stderr)
      XCTAssertTrue(result.stdout.contains("race-canary: "), result.stdout)
      return
    }
    XCTAssertTrue(
      result.stderr.contains("WARNING: ThreadSanitizer:"),
      "the race detector did not report the canary's race; stderr: \(result.stderr.prefix(2_000))")
    XCTAssertNotEqual(result.status, 0, "a reported race must fail the program (TSAN_OPTIONS exitcode)")
  }
}
