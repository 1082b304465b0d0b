import XCTest

@testable import MPIParallel

final class RetryPolicyTests: XCTestCase {
  func testRetryPrefersEnginesNotTried() {
    XCTAssertEqual(RetryPolicy.candidates(engines: [0, 1, 2, 3], tried: [0, 1]), [2, 3])
    XCTAssertEqual(RetryPolicy.candidates(engines: [0, 1, 2, 3], tried: []), [0, 1, 2, 3])
  }

  func testRetryFallsBackToEveryEngineOnceAllTried() {
    XCTAssertEqual(RetryPolicy.candidates(engines: [0, 1], tried: [0, 1]), [0, 1])
    XCTAssertEqual(RetryPolicy.candidates(engines: [2], tried: [2]), [2])
  }

  func testRetryIgnoresTriedEnginesThatAreNotCandidates() {
    // Engine 5 was tried but is not offered now (full, or gone).
    XCTAssertEqual(RetryPolicy.candidates(engines: [1, 2], tried: [5, 1]), [2])
    XCTAssertEqual(RetryPolicy.candidates(engines: [1, 2], tried: [5, 1, 2]), [1, 2])
  }

  func testRetryKeepsTheOrderGiven() {
    XCTAssertEqual(RetryPolicy.candidates(engines: [3, 0, 2, 1], tried: [2]), [3, 0, 1])
  }

  func testNoEngines() {
    XCTAssertEqual(RetryPolicy.candidates(engines: [], tried: [1]), [])
    XCTAssertEqual(RetryPolicy.untried(engines: [], tried: []), [])
  }

  func testFunctionalDependencyNeverTriesAnEngineTwice() {
    XCTAssertEqual(RetryPolicy.untried(engines: [0, 1, 2], tried: [1]), [0, 2])
    XCTAssertEqual(RetryPolicy.untried(engines: [0, 1, 2], tried: [0, 1, 2]), [])
  }

  func testFunctionalDependencyFindsTheOneCapableEngine() {
    // Engines 0..3; only engine 2 satisfies the predicate. Each unmet try adds
    // the engine to `tried`; the task reaches engine 2 within four tries.
    let engines = [0, 1, 2, 3]
    var tried = Set<Int>()
    var tries = 0
    while true {
      let next = RetryPolicy.untried(engines: engines, tried: tried)
      XCTAssertFalse(next.isEmpty)
      tries += 1
      if next[0] == 2 { break }
      tried.insert(next[0])
    }
    XCTAssertLessThanOrEqual(tries, engines.count)
  }

  func testShouldRetryRunsAtMostRetriesPlusOneTimes() {
    for retries in 0...4 {
      var runs = 0
      var failures = 0
      repeat {
        runs += 1
        failures += 1  // always fails
      } while RetryPolicy.shouldRetry(failures: failures, retries: retries)
      XCTAssertEqual(runs, retries + 1, "retries \(retries)")
    }
  }

  func testTaskFailingOnTwoEnginesSucceedsElsewhere() {
    // Fails on engines 0 and 1, succeeds elsewhere; retries 2 with a different engine each time.
    let engines = [0, 1, 2, 3]
    var tried = Set<Int>()
    var failures = 0
    var engine = 0
    while true {
      tried.insert(engine)
      if engine >= 2 { break }
      failures += 1
      XCTAssertTrue(RetryPolicy.shouldRetry(failures: failures, retries: 2))
      engine = RetryPolicy.candidates(engines: engines, tried: tried)[0]
    }
    XCTAssertEqual(engine, 2)
    XCTAssertEqual(failures, 2)
  }
}
