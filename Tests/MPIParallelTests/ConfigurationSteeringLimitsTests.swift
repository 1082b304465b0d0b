import XCTest

@testable import MPIParallel

/// The steering hub's limits and timeouts as settings: defaults, the
/// environment, the command line, and values out of range; no MPI.
final class ConfigurationSteeringLimitsTests: XCTestCase {
  func testDefaultsAreTheServersOwn() {
    let limits = Configuration().steeringLimits
    XCTAssertEqual(limits.handshakeTimeout, 10)
    XCTAssertEqual(limits.idleTimeout, 120)
    XCTAssertEqual(limits.maxUnsigned, 64)
    XCTAssertEqual(limits.maxUnsignedPerAddress, 32)
    XCTAssertEqual(limits.keptResultBytes, 1 << 30)
  }

  func testEnvironmentThenCommandLine() throws {
    let environment = [
      "MPIPARALLEL_HANDSHAKE_TIMEOUT": "2.5", "MPIPARALLEL_IDLE_TIMEOUT": "30",
      "MPIPARALLEL_MAX_UNSIGNED": "200", "MPIPARALLEL_MAX_UNSIGNED_PER_ADDRESS": "8",
      "MPIPARALLEL_KEPT_RESULTS": "5000",
    ]
    let (configuration, remaining) = try Configuration().resolved(
      environment: environment,
      arguments: ["--idle-timeout", "600", "--max-unsigned-per-address=16", "input"])
    XCTAssertEqual(configuration.steeringLimits.handshakeTimeout, 2.5)
    XCTAssertEqual(configuration.steeringLimits.idleTimeout, 600)
    XCTAssertEqual(configuration.steeringLimits.maxUnsigned, 200)
    XCTAssertEqual(configuration.steeringLimits.maxUnsignedPerAddress, 16)
    XCTAssertEqual(configuration.steeringLimits.keptResultBytes, 5000)
    XCTAssertEqual(
      try Configuration().applyingArguments(["--kept-results", "0"]).configuration.steeringLimits
        .keptResultBytes, 0)
    XCTAssertEqual(remaining, ["input"])
    XCTAssertEqual(Configuration.Key.maxUnsignedPerAddress.variable, "MPIPARALLEL_MAX_UNSIGNED_PER_ADDRESS")
    XCTAssertEqual(Configuration.Key.handshakeTimeout.flag, "--handshake-timeout")
  }

  func testValuesOutOfRangeNameTheSettingAndWhereItCameFrom() {
    for (flag, value) in [
      ("--handshake-timeout", "0"), ("--handshake-timeout", "nan"), ("--idle-timeout", "-1"),
      ("--idle-timeout", "inf"), ("--max-unsigned", "0"), ("--max-unsigned-per-address", "many"),
      ("--kept-results", "-1"), ("--kept-results", "1G"),
    ] {
      XCTAssertThrowsError(try Configuration().applyingArguments([flag, value]), "\(flag) \(value)") {
        error in
        XCTAssertTrue("\(error)".contains(String(flag.dropFirst(2))), "\(error)")
        XCTAssertTrue("\(error)".contains("command-line flag \(flag)"), "\(error)")
      }
    }
    var code = Configuration()
    code.steeringLimits.maxUnsigned = 0
    XCTAssertThrowsError(try code.validate()) { XCTAssertTrue("\($0)".contains("max-unsigned"), "\($0)") }
  }
}
