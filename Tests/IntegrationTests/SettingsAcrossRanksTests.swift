import XCTest

/// Settings that differ between ranks, as they do across hosts: mpirun hands
/// its environment to the ranks on its own host only. Each test gives one
/// group of ranks a setting through `env` (mpirun's MPMD form, `-np 1 env
/// VAR=VALUE app : -np 2 app`), on this one host.
final class SettingsAcrossRanksTests: XCTestCase {
  /// `mpirun -np 1 [env VARS...] APP ARGS : -np 2 [env VARS...] APP ARGS`.
  func run(
    _ product: String, _ arguments: [String], hub: [String] = [], engines: [String] = []
  ) throws -> MPIRunResult {
    let app = try MPIRun.productPath(product)
    let env = "/usr/bin/env"
    let engineGroup = (engines.isEmpty ? [app] : [env] + engines + [app]) + arguments
    return try MPIRun.run(
      executable: env, ranks: 1, arguments: hub + [app] + arguments + [":", "-np", "2"] + engineGroup,
      timeout: 60)
  }

  func testABadSettingOnRankZeroAloneEndsEveryRank() throws {
    let result = try run("mpp-configapp", [], hub: ["MPIPARALLEL_SCHEME=roundrobin"])
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertEqual(
      result.stderr.components(separatedBy: "unknown scheme 'roundrobin'").count - 1, 1, result.describe())
    XCTAssertFalse(result.stdout.contains("ENGINES"), result.describe())
  }

  func testABadSettingOnTheEnginesAloneEndsEveryRank() throws {
    let result = try run("mpp-configapp", [], engines: ["MPIPARALLEL_HWM=-1"])
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    // Said once, by the first rank that saw it, naming that rank and its host.
    XCTAssertEqual(result.stderr.components(separatedBy: "invalid hwm '-1'").count - 1, 1, result.describe())
    XCTAssertTrue(result.stderr.contains("(on rank 1, host "), result.describe())
    XCTAssertFalse(result.stdout.contains("ENGINES"), result.describe())
  }

  func testEveryRankRunsWithRankZerosSettings() throws {
    let result = try run(
      "mpp-testapp", ["basics"], hub: ["MPIPARALLEL_OPENMPI_LOCKS=keep", "MPIPARALLEL_LOG_LEVEL=debug"])
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("OPENMPI LOCKS hub=on engines=on"), result.describe())
    // The engines log at rank 0's level.
    XCTAssertTrue(result.stderr.contains("engine 1 up on"), result.describe())
  }
}
