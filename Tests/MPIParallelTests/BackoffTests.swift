import XCTest

@testable import MPIParallel

final class BackoffTests: XCTestCase {
  func testSpinsThenYieldsThenSleepsLongerUpToTheCap() {
    var backoff = Backoff(now: 0)
    XCTAssertEqual(backoff.idle(now: 10e-6), .spin)
    XCTAssertEqual(backoff.idle(now: 1e-3), .yield)
    XCTAssertEqual(backoff.idle(now: 3e-3), .sleep(20e-6))
    XCTAssertEqual(backoff.idle(now: 3.1e-3), .sleep(40e-6))
    var last = 0.0
    for step in 0..<20 {
      guard case .sleep(let seconds) = backoff.idle(now: 4e-3 + Double(step) * 1e-4) else {
        return XCTFail("expected sleep")
      }
      XCTAssertGreaterThanOrEqual(seconds, last)
      last = seconds
    }
    XCTAssertEqual(last, backoff.maxSleep)
  }

  func testDeeplyIdleLoopsSleepLonger() {
    var backoff = Backoff(now: 0)
    var longest = 0.0
    for step in 0..<40 {
      if case .sleep(let seconds) = backoff.idle(now: 0.06 + Double(step) * 1e-3) {
        longest = max(longest, seconds)
      }
    }
    XCTAssertEqual(longest, backoff.deepSleep)
    XCTAssertGreaterThan(backoff.deepSleep, backoff.maxSleep)
    backoff.reset(now: 1)
    XCTAssertEqual(backoff.idle(now: 1 + 1e-6), .spin)
  }

  func testActivityResetsToSpinning() {
    var backoff = Backoff(now: 0)
    _ = backoff.idle(now: 1)
    _ = backoff.idle(now: 2)
    backoff.reset(now: 5)
    XCTAssertEqual(backoff.idle(now: 5 + 1e-6), .spin)
    _ = backoff.idle(now: 6)
    XCTAssertEqual(backoff.idle(now: 6), .sleep(40e-6), "the sleep ladder restarts after a reset")
  }
}
