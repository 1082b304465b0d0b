import Foundation
import XCTest

/// Engines added to a running job under real MPI (`MPI_Comm_spawn` from rank
/// 0): they take load-balanced work at once and answer under new ids; a
/// launcher with no free slot refuses with a clear error and the job goes on.
final class EngineAddTests: XCTestCase {
  func testTwoEnginesAddedDuringAFarmTakeWork() throws {
    let result = try MPIRun.run("mpp-testapp", ranks: 3, arguments: ["add-engines"], timeout: 90, recovery: true)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("added engines [2, 3]"), result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
  }

  func testWithoutRecoveryAddingIsRefusedAndNothingChanges() throws {
    let result = try MPIRun.run("mpp-testapp", ranks: 3, arguments: ["add-refused"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("adding engines needs mpirun --enable-recovery"), result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
  }

  func testALauncherWithoutRoomRefusesAndNothingChanges() throws {
    // Three slots on this host and no oversubscription: the two engines to add have nowhere to go.
    let program = try MPIRun.productPath("mpp-testapp")
    let result = try MPIRun.runDirect(
      executable: "mpirun",
      arguments: ["--enable-recovery", "--host", "localhost:3", "-np", "3", program, "add-refused"],
      environment: ["OMPI_MCA_rmaps_base_oversubscribe": "0"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("REFUSED addEngines(2): the launcher has 3 slots"), result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
  }

  /// `--replace-lost`: an engine killed during a farm is replaced, and the job keeps its
  /// width, with exactly as many slots as processes (a dead engine's slot is free again).
  func testALostEngineIsReplacedAndTheJobKeepsItsWidth() throws {
    let program = try MPIRun.productPath("mpp-testapp")
    let result = try MPIRun.runDirect(
      executable: "mpirun",
      arguments: ["--enable-recovery", "--host", "localhost:4", "-np", "4", program, "--replace-lost", "replace-lost"],
      environment: ["OMPI_MCA_rmaps_base_oversubscribe": "0"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertTrue(result.stderr.contains("engine 3 started in place of lost engine 1"), result.describe())
  }
}
