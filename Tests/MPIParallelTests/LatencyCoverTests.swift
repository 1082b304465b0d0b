import XCTest

@testable import MPIParallel

/// The automatic high-water mark's arithmetic (`--hwm auto`); under mpirun in
/// `LoadBalancingTests.testAutomaticHighWaterMark...`.
final class LatencyCoverTests: XCTestCase {
  func testTheLimitCoversTheRoundTrip() {
    XCTAssertEqual(LatencyCover.limit(roundTrip: 200e-6, runTime: 1e-3), 2)
    XCTAssertEqual(LatencyCover.limit(roundTrip: 2e-3, runTime: 1e-3), 3)
    XCTAssertEqual(LatencyCover.limit(roundTrip: 0.375, runTime: 0.125), 4)
    XCTAssertEqual(LatencyCover.limit(roundTrip: 1e-4, runTime: 1e-6), LatencyCover.cap)
    XCTAssertEqual(LatencyCover.limit(roundTrip: 1e-3, runTime: 0), LatencyCover.cap)
  }

  func testARoundTripNegligibleBesideTheTaskKeepsOneTask() {
    XCTAssertEqual(LatencyCover.limit(roundTrip: 20e-6, runTime: 0.5), 1)
    XCTAssertEqual(LatencyCover.limit(roundTrip: 4e-5, runTime: 1e-3), 1)
    XCTAssertEqual(LatencyCover.limit(roundTrip: 0, runTime: 1e-3), 1)
    XCTAssertEqual(LatencyCover.limit(roundTrip: .nan, runTime: 1e-3), 1)
    XCTAssertEqual(LatencyCover.limit(roundTrip: .infinity, runTime: 1e-3), 1)
  }

  func testOnlyAWaitForTheHubCountsAsARoundTrip() {
    var cover = LatencyCover()
    // Tasks of 1 ms back to back, the next one held by the engine: no round trip seen.
    var t = 100.0
    for _ in 0..<5 {
      cover.observe(started: t, completed: t + 1e-3, waitedForTheHub: false)
      t += 1e-3
    }
    XCTAssertEqual(cover.limit, 1)
    XCTAssertEqual(cover.roundTrip, 0)
    // The engine then waits 0.5 ms for each next task, which the hub had queued.
    for _ in 0..<10 {
      cover.observe(started: t, completed: t + 1e-3, waitedForTheHub: true)
      t += 1e-3 + 5e-4
    }
    XCTAssertEqual(cover.roundTrip, 5e-4, accuracy: 1e-6)
    XCTAssertEqual(cover.limit, 2)
    // A wait after the hub had nothing queued (the driver was slow) is not a round trip.
    cover.observe(started: t, completed: t + 1e-3, waitedForTheHub: false)
    t += 10
    cover.observe(started: t, completed: t + 1e-3, waitedForTheHub: false)
    XCTAssertEqual(cover.roundTrip, 5e-4, accuracy: 1e-6)
  }

  func testLongerTasksBringTheLimitBackToOne() {
    var cover = LatencyCover()
    var t = 0.0
    for _ in 0..<20 {
      cover.observe(started: t, completed: t + 1e-5, waitedForTheHub: true)
      t += 1e-5 + 1e-4
    }
    XCTAssertEqual(cover.limit, 11)
    XCTAssertTrue(cover.observe(started: t, completed: t + 0.05, waitedForTheHub: false))
    XCTAssertEqual(cover.limit, 1)
  }
}
