import Foundation
import XCTest

/// Engines that come and go under real MPI (`mpirun --enable-recovery`): an
/// engine killed with SIGKILL halfway through a farm, a task that calls
/// `exit(3)`, a collective across a lost engine, engines retired while a farm
/// runs. Each run has a watchdog.
final class EngineLossTests: XCTestCase {
  var directory = ""

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "mpiparallel-loss-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func run(_ arguments: [String], ranks: Int = 5, recovery: Bool = true) throws -> MPIRunResult {
    let result = try MPIRun.run(
      "mpp-testapp", ranks: ranks, arguments: arguments, environment: ["MPIPARALLEL_STATUS_FILE": statusFile],
      timeout: 90, recovery: recovery)
    XCTAssertFalse(result.timedOut, result.describe())
    return result
  }

  var statusFile: String { directory + "/status" }

  /// Rank 0's exit status as it wrote it (mpirun under --enable-recovery exits 0 regardless).
  func rankZeroStatus() -> String? {
    (try? String(contentsOfFile: statusFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  func testAFarmWithAJournalLosesAnEngineHalfwayAndEveryResultArrives() throws {
    let journal = directory + "/loss.journal"
    let result = try run(["--journal", journal, "loss-farm", directory + "/ran.log"])
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertTrue(result.stdout.contains("LOST its process died"), result.describe())
    // The hub names the lost engine on stderr and sums the losses up at the end.
    XCTAssertTrue(result.stderr.contains("engine 2 (rank 3"), result.describe())
    XCTAssertTrue(result.stderr.contains("1 of 4 engines lost"), result.describe())
    XCTAssertEqual(result.status, 0, "mpirun --enable-recovery exits 0: " + result.describe())
    XCTAssertEqual(rankZeroStatus(), "4", "rank 0 says engines were lost")
    // The journal holds each of the 10,000 tasks once, succeeded, and the engine's loss.
    let tool = try MPIRun.runDirect(
      "mpiparallel", arguments: ["history", "--journal", journal, "--state", "succeeded", "--function", "lossSquare", "--json"], timeout: 30)
    XCTAssertEqual(tool.status, 0, tool.describe())
    let tasks = tool.stdout.split(separator: "\n").filter { $0.contains("\"task\"") }
    XCTAssertEqual(tasks.count, 10_000, tool.describe())
    XCTAssertEqual(Set(tasks).count, 10_000, "a task recorded twice")
    let events = try MPIRun.runDirect("mpiparallel", arguments: ["history", "--journal", journal], timeout: 30)
    XCTAssertTrue(events.stdout.contains("engine 2 (rank 3") && events.stdout.contains("lost"), events.describe())
  }

  func testATaskThatCallsExitOnceRunsAgainElsewhere() throws {
    let result = try run(["loss-exit-once", directory + "/exit.log"])
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertTrue(result.stdout.contains("it called exit while running task"), result.describe())
  }

  func testATaskThatAlwaysCallsExitIsQuarantinedAfterTwoEngines() throws {
    let result = try run(["loss-exit-always", directory + "/exit.log"])
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertTrue(result.stdout.contains("QUARANTINED 7"), result.describe())
  }

  func testACollectiveAcrossALostEngineFailsAtOnceNamingIt() throws {
    let result = try run(["loss-collective"], ranks: 4)
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
  }

  /// A stopped engine (SIGSTOP: alive, silent) is lost after `--engine-timeout`; engines
  /// waiting on it inside a broadcast give up, and the survivors serve again (without the
  /// hub's loss announcement they would wait in the broadcast forever).
  func testAnEngineThatGoesSilentIsLostAndNobodyWaitsOnIt() throws {
    let result = try run(["--engine-timeout", "1", "loss-stuck"])
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertTrue(result.stdout.contains("LOST no heartbeat for"), result.describe())
  }

  func testEnginesRetiredDuringAFarmLoseNothing() throws {
    for recovery in [true, false] {
      let result = try run(["retire"], recovery: recovery)
      XCTAssertEqual(result.status, 0, "recovery \(recovery): " + result.describe())
      XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), "recovery \(recovery): " + result.describe())
      XCTAssertEqual(rankZeroStatus(), "0", "retiring is no loss")
    }
  }

  func testWithoutRecoveryTheJobEndsAndTheHubSaysWhichEngineDied() throws {
    let result = try run(["loss-farm", directory + "/ran.log"], recovery: false)
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertTrue(
      result.stderr.contains("engine 2 (rank 3") && result.stderr.contains("lossSquare"), result.describe())
  }
}
