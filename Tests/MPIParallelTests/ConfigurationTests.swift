import Logging
import XCTest

@testable import MPIParallel

/// The configuration's three layers (code < environment < command line),
/// its validation and the arguments it leaves to the program; no MPI.
final class ConfigurationTests: XCTestCase {
  func testDefaultsAreQuietLeastLoadHWM1() throws {
    let configuration = Configuration()
    XCTAssertEqual(configuration.scheme, .leastload)
    XCTAssertEqual(configuration.highWaterMark, 1)
    XCTAssertEqual(configuration.logLevel, .warning)
    XCTAssertNil(configuration.journal)
    XCTAssertNil(configuration.profile)
    XCTAssertFalse(configuration.serve)
    XCTAssertEqual(configuration.backoff, Configuration.Backoff())
    // The public defaults are the back-off's own.
    XCTAssertEqual(configuration.backoff.spinFor, Backoff.Settings().spinFor)
    XCTAssertEqual(configuration.backoff.yieldFor, Backoff.Settings().yieldFor)
    XCTAssertEqual(configuration.backoff.minSleep, Backoff.Settings().minSleep)
    XCTAssertEqual(configuration.backoff.maxSleep, Backoff.Settings().maxSleep)
  }

  func testEnvironmentOverridesCodeAndCommandLineOverridesEnvironment() throws {
    let code = Configuration(highWaterMark: 2, journal: "code.journal", profile: "code")
    let environment = [
      "MPIPARALLEL_HWM": "4", "MPIPARALLEL_PROFILE": "env", "MPIPARALLEL_LOG_LEVEL": "info",
      "UNRELATED": "x",
    ]
    let (resolved, remaining) = try code.resolved(
      environment: environment, arguments: ["input.txt", "--hwm", "8", "--log-level=debug", "-v"])
    XCTAssertEqual(resolved.highWaterMark, 8)  // command line wins
    XCTAssertEqual(resolved.logLevel, .debug)  // command line wins
    XCTAssertEqual(resolved.profile, "env")  // environment wins over code
    XCTAssertEqual(resolved.journal, "code.journal")  // only code set it
    XCTAssertEqual(remaining, ["input.txt", "-v"])
  }

  func testEveryKeyFromTheEnvironment() throws {
    let environment = [
      "MPIPARALLEL_SCHEME": "leastload", "MPIPARALLEL_HWM": "0",
      "MPIPARALLEL_BACKOFF": "spin=0,max-sleep=2ms",
      "MPIPARALLEL_JOURNAL": "/tmp/j", "MPIPARALLEL_PROFILE": "big", "MPIPARALLEL_LOG_LEVEL": "DEBUG",
      "MPIPARALLEL_SERVE": "yes", "MPIPARALLEL_SERVE_PORT": "9000",
    ]
    let configuration = try Configuration().applyingEnvironment(environment)
    XCTAssertEqual(configuration.highWaterMark, 0)
    XCTAssertEqual(configuration.backoff.spinFor, 0)
    XCTAssertEqual(configuration.backoff.maxSleep, 2e-3, accuracy: 1e-12)
    XCTAssertEqual(configuration.backoff.yieldFor, 2e-3)  // untouched
    XCTAssertEqual(configuration.journal, "/tmp/j")
    XCTAssertEqual(configuration.profile, "big")
    XCTAssertEqual(configuration.logLevel, .debug)
    XCTAssertTrue(configuration.serve)
    XCTAssertEqual(configuration.servePort, 9000)
  }

  func testEmptyEnvironmentValuesCountAsUnset() throws {
    let configuration = try Configuration(highWaterMark: 3).applyingEnvironment(["MPIPARALLEL_HWM": ""])
    XCTAssertEqual(configuration.highWaterMark, 3)
  }

  func testVariableAndFlagNames() {
    XCTAssertEqual(Configuration.Key.logLevel.variable, "MPIPARALLEL_LOG_LEVEL")
    XCTAssertEqual(Configuration.Key.servePort.variable, "MPIPARALLEL_SERVE_PORT")
    XCTAssertEqual(Configuration.Key.hwm.variable, "MPIPARALLEL_HWM")
    XCTAssertEqual(Configuration.Key.logLevel.flag, "--log-level")
  }

  func testUnknownSchemeNamesTheValidOnes() {
    let valid = ["leastload", "lru", "plainrandom", "twobin", "weighted"]
    XCTAssertThrowsError(try Configuration().applyingEnvironment(["MPIPARALLEL_SCHEME": "fastest"])) {
      error in
      XCTAssertEqual(
        error as? ConfigurationError,
        .unknownScheme("fastest", source: "environment variable MPIPARALLEL_SCHEME", valid: valid))
      XCTAssertEqual(
        "\(error)",
        "unknown scheme 'fastest' (from environment variable MPIPARALLEL_SCHEME); valid schemes: leastload, lru, plainrandom, twobin, weighted"
      )
    }
    XCTAssertThrowsError(try Configuration().applyingArguments(["--scheme", "roundrobin"])) { error in
      XCTAssertTrue("\(error)".contains("--scheme"), "\(error)")
      XCTAssertTrue("\(error)".contains("valid schemes: leastload, lru"), "\(error)")
    }
  }

  func testEverySchemeIsAccepted() throws {
    for scheme in SchemeName.allCases {
      XCTAssertEqual(
        try Configuration().applyingArguments(["--scheme", scheme.rawValue]).configuration.scheme, scheme)
      XCTAssertEqual(
        try Configuration().applyingEnvironment(["MPIPARALLEL_SCHEME": scheme.rawValue]).scheme, scheme)
    }
  }

  func testNegativeHighWaterMarkIsAnErrorFromEverySource() {
    XCTAssertThrowsError(try Configuration().applyingArguments(["--hwm", "-1"])) { error in
      XCTAssertTrue("\(error)".contains("invalid hwm '-1' (from command-line flag --hwm)"), "\(error)")
    }
    XCTAssertThrowsError(try Configuration().applyingEnvironment(["MPIPARALLEL_HWM": "-3"]))
    XCTAssertThrowsError(try Configuration().applyingEnvironment(["MPIPARALLEL_HWM": "two"]))
    XCTAssertThrowsError(try Configuration(highWaterMark: -1).resolved(environment: [:], arguments: [])) {
      error in
      XCTAssertTrue("\(error)".contains("(from code)"), "\(error)")
    }
  }

  func testInvalidLogLevelListsTheLevels() {
    XCTAssertThrowsError(try Configuration().applyingArguments(["--log-level", "loud"])) { error in
      XCTAssertTrue("\(error)".contains("trace, debug, info, notice, warning, error, critical"), "\(error)")
    }
  }

  func testMissingValueIsAnError() {
    XCTAssertThrowsError(try Configuration().applyingArguments(["--hwm"])) { error in
      XCTAssertEqual(error as? ConfigurationError, .missingValue(flag: "--hwm"))
    }
    XCTAssertThrowsError(try Configuration().applyingArguments(["--journal", "--hwm", "2"])) { error in
      XCTAssertEqual(error as? ConfigurationError, .missingValue(flag: "--journal"))
    }
  }

  func testDoubleDashEndsTheRuntimesFlags() throws {
    let (configuration, remaining) = try Configuration().applyingArguments(
      ["--hwm", "2", "--", "--hwm", "9", "--log-level", "x"])
    XCTAssertEqual(configuration.highWaterMark, 2)
    XCTAssertEqual(remaining, ["--", "--hwm", "9", "--log-level", "x"])
  }

  func testServeSwitchAndPort() throws {
    let (configuration, remaining) = try Configuration().applyingArguments(
      ["--serve", "run", "--serve-port=7100"])
    XCTAssertTrue(configuration.serve)
    XCTAssertEqual(configuration.servePort, 7100)
    XCTAssertEqual(remaining, ["run"])
    XCTAssertThrowsError(try Configuration().applyingArguments(["--serve-port", "70000"]))
  }

  func testReplaceLostSwitchAndEngineTimeout() throws {
    let (configuration, remaining) = try Configuration().applyingArguments(
      ["--replace-lost", "run", "--engine-timeout", "2.5"])
    XCTAssertTrue(configuration.replaceLostEngines)
    XCTAssertEqual(configuration.engineTimeout, 2.5)
    XCTAssertEqual(remaining, ["run"])
    XCTAssertFalse(try Configuration().applyingEnvironment(["MPIPARALLEL_REPLACE_LOST": "off"]).replaceLostEngines)
    XCTAssertThrowsError(try Configuration().applyingEnvironment(["MPIPARALLEL_REPLACE_LOST": "maybe"])) { error in
      XCTAssertTrue("\(error)".contains("replace-lost"), "\(error)")
    }
    XCTAssertThrowsError(try Configuration().applyingArguments(["--engine-timeout", "0"]))
  }

  func testUnknownFlagsAreLeftToTheProgram() throws {
    let (configuration, remaining) = try Configuration().applyingArguments(
      ["--hwmx", "3", "--verbose", "--scheme=leastload", "-n", "4"])
    XCTAssertEqual(configuration, Configuration())
    XCTAssertEqual(remaining, ["--hwmx", "3", "--verbose", "-n", "4"])
  }

  func testProgramArgumentsKeepTheNameAndDropTheRuntimesFlags() {
    XCTAssertEqual(
      Configuration.programArguments(["./App", "--hwm", "2", "data", "--log-level=debug", "--serve", "x"]),
      ["./App", "data", "x"])
    XCTAssertEqual(
      Configuration.programArguments(["./App", "--", "--hwm", "2"]), ["./App", "--", "--hwm", "2"])
    XCTAssertEqual(Configuration.programArguments([]), [])
  }

  func testBackoffText() throws {
    let backoff = try Configuration.Backoff().parsing(
      "spin=10us, yield=1ms,min-sleep=0.00001,max-sleep=0.5s", source: "t")
    XCTAssertEqual(backoff.spinFor, 10e-6, accuracy: 1e-15)
    XCTAssertEqual(backoff.yieldFor, 1e-3, accuracy: 1e-15)
    XCTAssertEqual(backoff.minSleep, 1e-5, accuracy: 1e-15)
    XCTAssertEqual(backoff.maxSleep, 0.5, accuracy: 1e-15)
    XCTAssertEqual(Configuration.Backoff().description, "spin=50us,yield=2ms,min-sleep=20us,max-sleep=1ms")
    // Round trip.
    // Round trip through the text (to the microsecond).
    XCTAssertEqual(
      try Configuration.Backoff().parsing(backoff.description, source: "t").description, backoff.description)
    XCTAssertThrowsError(try Configuration.Backoff().parsing("nap=1ms", source: "t"))
    XCTAssertThrowsError(try Configuration.Backoff().parsing("spin=fast", source: "t"))
    XCTAssertThrowsError(try Configuration.Backoff().parsing("min-sleep=0", source: "t"))
    XCTAssertThrowsError(try Configuration.Backoff().parsing("min-sleep=2ms,max-sleep=1ms", source: "t"))
    XCTAssertThrowsError(try Configuration.Backoff().parsing("spin=-1", source: "t"))
  }

  func testHighWaterMarkAutoFromFlagAndEnvironmentAndFixedWhenANumberIsGiven() throws {
    XCTAssertNil(Configuration().automaticHighWaterMark)
    XCTAssertEqual(Configuration().highWaterMark, 1)
    XCTAssertEqual(Configuration(highWaterMark: 4).automaticHighWaterMark, false)
    var configuration = try Configuration().applyingEnvironment(["MPIPARALLEL_HWM": "auto"])
    XCTAssertEqual(configuration.automaticHighWaterMark, true)
    XCTAssertEqual(configuration.highWaterMarkDescription, "auto")
    configuration = try configuration.applyingArguments(["--hwm", "8"]).configuration
    XCTAssertEqual(configuration.automaticHighWaterMark, false)
    XCTAssertEqual(configuration.highWaterMark, 8)
    configuration = try configuration.applyingArguments(["--hwm=AUTO"]).configuration
    XCTAssertEqual(configuration.automaticHighWaterMark, true)
    XCTAssertThrowsError(try configuration.applyingArguments(["--hwm", "sometimes"])) { error in
      XCTAssertTrue("\(error)".contains("auto, 0 (no limit) or a positive number"), "\(error)")
    }
    XCTAssertEqual(Configuration().highWaterMarkDescription, "1 (auto across hosts)")
  }

  func testDescriptionNamesEverySetting() {
    let text = Configuration(highWaterMark: 3, journal: "j", logLevel: .debug).description
    XCTAssertEqual(
      text,
      "scheme leastload, hwm 3, backoff spin=50us,yield=2ms,min-sleep=20us,max-sleep=1ms, log-level debug, "
        + "journal j, profile -, serve off")
  }
}
