import XCTest

/// IPython's interface beyond apply and map, under real MPI (the test app's
/// `ipython` scenario): parallel functions, lazy maps over an unbounded
/// sequence, what results report (getDict, times, progress, split), tasks
/// by id (result, resubmit), clear, view aborts, the client as a sequence of
/// engines, Void functions, references and dependencies from results on the
/// LoadBalancedView, and UnmetDependency thrown by a task. Each run has a watchdog.
final class IPythonInterfaceTests: XCTestCase {
  func testIPythonInterfaceAt5And8Ranks() throws {
    for ranks in [5, 8] {
      let result = try MPIRun.run("mpp-testapp", ranks: ranks, arguments: ["ipython"], timeout: 90)
      XCTAssertFalse(result.timedOut, result.describe())
      XCTAssertEqual(result.status, 0, result.describe())
      XCTAssertFalse(result.stdout.contains("FAIL "), result.describe())
      XCTAssertTrue(result.stdout.contains("CHECK imap: unbounded, ordered: ok"), result.describe())
      XCTAssertTrue(result.stdout.contains("CHECK UnmetDependency: moved: ok"), result.describe())
      XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    }
  }
}
