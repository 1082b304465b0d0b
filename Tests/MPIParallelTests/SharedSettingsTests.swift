import Logging
import XCTest

@testable import MPIParallel

/// What rank 0 sends every rank at start-up: its whole configuration, read back equal.
final class SharedSettingsTests: XCTestCase {
  func testEverySettingReadsBackEqual() throws {
    var configuration = Configuration(
      scheme: .twobin, highWaterMark: 7,
      backoff: .init(spinFor: 1.5e-5, yieldFor: 0.003, minSleep: 1e-6, maxSleep: 0.1234567890123),
      journal: "/tmp/run.journal", profile: "big", logLevel: .debug, serve: true, servePort: 0)
    configuration.automaticHighWaterMark = true
    configuration.serveIP = "0.0.0.0"
    configuration.frameLimit = 4096
    configuration.stallTimeout = 2.5
    configuration.steeringLimits.handshakeTimeout = 0.7
    configuration.steeringLimits.idleTimeout = 600
    configuration.steeringLimits.maxUnsigned = 9
    configuration.steeringLimits.maxUnsignedPerAddress = 3
    configuration.steeringLimits.keptResultBytes = 12345
    configuration.engineTimeout = 0.3
    configuration.replaceLostEngines = true
    configuration.capabilities = [1: ["gpu", "big"], 3: ["fpga"]]
    for keeps in [true, false] {
      let settings = SharedSettings(configuration: configuration, keepsOpenMPILocks: keeps)
      XCTAssertEqual(try SharedSettings(decoding: try settings.encoded()), settings)
    }
    for automatic in [nil, false, true] as [Bool?] {
      var other = Configuration()
      other.automaticHighWaterMark = automatic
      let settings = SharedSettings(configuration: other, keepsOpenMPILocks: false)
      XCTAssertEqual(try SharedSettings(decoding: try settings.encoded()), settings)
    }
  }

  /// A setting added to `Configuration` must travel too: this list names
  /// every stored property `SharedSettings` carries.
  func testEveryStoredPropertyOfConfigurationIsCarried() {
    let carried: Set<String> = [
      "scheme", "highWaterMark", "automaticHighWaterMark", "backoff", "journal", "profile", "logLevel",
      "serve", "servePort", "serveIP",
      "frameLimit", "stallTimeout", "steeringLimits", "engineTimeout", "replaceLostEngines", "capabilities",
    ]
    let stored = Set(Mirror(reflecting: Configuration()).children.compactMap(\.label))
    XCTAssertEqual(stored, carried, "add the new setting to SharedSettings.Wire and to this list")
    let limits = Set(Mirror(reflecting: Configuration.SteeringLimits()).children.compactMap(\.label))
    XCTAssertEqual(
      limits, ["handshakeTimeout", "idleTimeout", "maxUnsigned", "maxUnsignedPerAddress", "keptResultBytes"])
    let backoff = Set(Mirror(reflecting: Configuration.Backoff()).children.compactMap(\.label))
    XCTAssertEqual(backoff, ["spinFor", "yieldFor", "minSleep", "maxSleep"])
  }

  func testGarbageIsAnError() {
    XCTAssertThrowsError(try SharedSettings(decoding: Array("{}".utf8)))
    XCTAssertThrowsError(try SharedSettings(decoding: []))
  }

  func testOpenMPILocksAreKeptOnlyWhenAsked() {
    XCTAssertTrue(SharedSettings.keepsOpenMPILocks(in: ["MPIPARALLEL_OPENMPI_LOCKS": "keep"]))
    XCTAssertFalse(SharedSettings.keepsOpenMPILocks(in: ["MPIPARALLEL_OPENMPI_LOCKS": "off"]))
    XCTAssertFalse(SharedSettings.keepsOpenMPILocks(in: [:]))
  }
}
