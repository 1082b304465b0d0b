import XCTest

/// Runs the `mpi-selftest` executable (Tests/MPISelfTest), which exercises every part of the `MPI`
/// module, under mpirun with several rank counts.
final class MPILayerTests: XCTestCase {
  /// Runs mpi-selftest on `ranks` ranks and asserts a clean exit and rank 0's success line.
  private func runSelfTest(ranks: Int, file: StaticString = #filePath, line: UInt = #line) throws {
    let result = try MPIRun.run("mpi-selftest", ranks: ranks, timeout: 120)
    XCTAssertFalse(result.timedOut, result.describe(), file: file, line: line)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: line)
    XCTAssertFalse(result.stderr.contains("FAIL:"), result.describe(), file: file, line: line)
    let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    XCTAssertEqual(
      lines.filter { $0 == "mpi-selftest: all checks passed on \(ranks) ranks" }.count, 1,
      result.describe(), file: file, line: line)
  }

  /// The smallest job: one hub and one worker.
  func testSelfTestOn2Ranks() throws { try runSelfTest(ranks: 2) }

  /// An odd rank count (uneven even/odd split).
  func testSelfTestOn3Ranks() throws { try runSelfTest(ranks: 3) }

  /// More ranks than cores.
  func testSelfTestOn5Ranks() throws { try runSelfTest(ranks: 5) }

  /// Heavily oversubscribed.
  func testSelfTestOn8Ranks() throws { try runSelfTest(ranks: 8) }
}
