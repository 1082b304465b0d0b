import Foundation
import XCTest

/// Engines added to a running job under real MPI (`MPI_Comm_spawn` from rank
/// 0): they take load-balanced work at once and answer under new ids; a
/// launcher with no free slot refuses with a clear error and the job goes on.
final class EngineAddTests: XCTestCase {
  func testTwoEnginesAddedDuringAFarmTakeWork() throws {
    for recovery in [true, false] {
      let result = try MPIRun.run(
        "mpp-testapp", ranks: 3, arguments: ["add-engines"], timeout: 90, recovery: recovery)
      XCTAssertFalse(result.timedOut, result.describe())
      XCTAssertEqual(result.status, 0, "recovery \(recovery): " + result.describe())
      XCTAssertTrue(result.stdout.contains("added engines [2, 3]"), result.describe())
      XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), "recovery \(recovery): " + result.describe())
    }
  }

  func testALauncherWithoutRoomRefusesAndNothingChanges() throws {
    // Three slots on this host and no oversubscription: the two engines to add have nowhere to go.
    let program = try MPIRun.productPath("mpp-testapp")
    let result = try MPIRun.runDirect(
      executable: "mpirun", arguments: ["--host", "localhost:3", "-np", "3", program, "add-refused"],
      environment: ["OMPI_MCA_rmaps_base_oversubscribe": "0"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("REFUSED addEngines(2): the launcher has 3 slots"), result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
  }
}
