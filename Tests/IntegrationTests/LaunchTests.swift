import Foundation
import XCTest

/// The launch errors a user meets first, each with a clear message, and the
/// runtime's configuration read under mpirun (environment, command line,
/// `--log-level debug`, start-up errors). Each run has the harness's watchdog.
final class LaunchTests: XCTestCase {
  // MARK: - Wrong launches

  func testWithoutMPIRunSaysHowToStartAndExits2() throws {
    let result = try MPIRun.runDirect("mpp-configapp", timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 2, result.describe())
    XCTAssertTrue(
      result.stderr.contains("runs as a single MPI rank, so it has no engines"), result.describe())
    XCTAssertTrue(result.stderr.contains("mpirun -np 5 "), result.describe())
    XCTAssertFalse(result.stdout.contains("ENGINES"), result.describe())
  }

  func testOneRankSaysHowToStartAndFails() throws {
    let result = try MPIRun.run("mpp-configapp", ranks: 1, timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertTrue(
      result.stderr.contains("runs as a single MPI rank, so it has no engines"), result.describe())
    XCTAssertTrue(result.stderr.contains("Start it under MPI, for example: mpirun -np 5"), result.describe())
  }

  func testRunningAsRootWithoutTheSettingsNamesThem() throws {
    try XCTSkipUnless(geteuid() == 0, "only root meets OpenMPI's run-as-root check")
    let mpirun = try XCTUnwrap(
      MPIRun.findExecutable("mpirun", path: ProcessInfo.processInfo.environment["PATH"]))
    var environment = MPIRun.mergedEnvironment([:])
    environment["OMPI_ALLOW_RUN_AS_ROOT"] = nil
    environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = nil
    let (result, _) = try MPIRun.execute([mpirun, "-np", "2", "true"], environment: environment, timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    let output = result.stdout + result.stderr
    XCTAssertTrue(output.contains("OMPI_ALLOW_RUN_AS_ROOT=1"), result.describe())
    XCTAssertTrue(output.contains("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"), result.describe())
    // Scripts/mpi-env.sh sets exactly these: the README's advice works.
    let script = try String(contentsOfFile: Self.packageRoot + "/Scripts/mpi-env.sh", encoding: .utf8)
    XCTAssertTrue(script.contains("export OMPI_ALLOW_RUN_AS_ROOT=1"))
    XCTAssertTrue(script.contains("export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"))
  }

  func testMoreRanksThanCoresWithoutOversubscriptionNamesTheOption() throws {
    let mpirun = try XCTUnwrap(
      MPIRun.findExecutable("mpirun", path: ProcessInfo.processInfo.environment["PATH"]))
    var environment = MPIRun.mergedEnvironment([:])
    for key in environment.keys
    where key.hasPrefix("OMPI_MCA_rmaps") || key.hasPrefix("PRTE_MCA_rmaps") || key.contains("hostfile") {
      environment[key] = nil
    }
    // More ranks than hardware threads is more than cores.
    let ranks = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) + 1
    let (result, _) = try MPIRun.execute(
      [mpirun, "-np", String(ranks), "true"], environment: environment, timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    let output = result.stdout + result.stderr
    XCTAssertTrue(output.contains("not enough slots"), result.describe())
    XCTAssertTrue(output.contains("--oversubscribe"), result.describe())
  }

  // MARK: - Configuration under mpirun

  func testDefaultsAndQuietLog() throws {
    let result = try Self.configApp(ranks: 3)
    XCTAssertTrue(result.stdout.contains("ENGINES 2\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("SCHEME leastload\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("HWM 1\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("LOGLEVEL warning\n"), result.describe())
    XCTAssertFalse(result.stderr.contains(" debug "), result.describe())
    XCTAssertFalse(result.stderr.contains("engines up"), result.describe())
  }

  func testCommandLineOverEnvironmentOverCode() throws {
    let journal = NSTemporaryDirectory() + "mpiparallel-launch-\(getpid()).journal"
    defer {
      for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: journal + suffix) }
    }
    let result = try Self.configApp(
      ranks: 3,
      arguments: [
        "code-hwm=2", "--hwm", "6", "data.txt", "--journal=\(journal)", "--", "--profile", "x",
      ],
      environment: [
        "MPIPARALLEL_HWM": "4", "MPIPARALLEL_PROFILE": "big", "MPIPARALLEL_BACKOFF": "max-sleep=500us",
      ])
    XCTAssertTrue(result.stdout.contains("HWM 6\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("PROFILE big\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("JOURNAL \(journal)\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("max-sleep=500us\n"), result.describe())
    // The runtime's flags are gone; the program's stay, and so does everything after `--`.
    XCTAssertTrue(result.stdout.contains("ARGS code-hwm=2 data.txt -- --profile x\n"), result.describe())
    XCTAssertTrue(FileManager.default.fileExists(atPath: journal), "the journal was not created")

    let fromEnvironment = try Self.configApp(
      ranks: 2, arguments: ["code-hwm=2"], environment: ["MPIPARALLEL_HWM": "4"])
    XCTAssertTrue(fromEnvironment.stdout.contains("HWM 4\n"), fromEnvironment.describe())
    let fromCode = try Self.configApp(ranks: 2, arguments: ["code-hwm=2"])
    XCTAssertTrue(fromCode.stdout.contains("HWM 2\n"), fromCode.describe())
  }

  func testLogLevelDebugShowsTheHubsStartUp() throws {
    let result = try Self.configApp(ranks: 5, arguments: ["--log-level", "debug", "--hwm", "3"])
    XCTAssertTrue(result.stdout.contains("LOGLEVEL debug\n"), result.describe())
    XCTAssertTrue(result.stderr.contains("hub: 4 engines up; scheme leastload, hwm 3"), result.describe())
    XCTAssertTrue(result.stderr.contains("mpiparallel.hub"), result.describe())
    XCTAssertTrue(result.stderr.contains("engine 3 up on"), result.describe())
    let fromEnvironment = try Self.configApp(ranks: 2, environment: ["MPIPARALLEL_LOG_LEVEL": "debug"])
    XCTAssertTrue(
      fromEnvironment.stderr.contains("hub: 1 engines up; scheme leastload, hwm 1"),
      fromEnvironment.describe())
  }

  func testLogLevelDebugShowsTheHubsDecisions() throws {
    let result = try MPIRun.run("mpp-testapp", ranks: 3, arguments: ["--log-level", "debug", "loadbalanced"])
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertTrue(result.stderr.contains("-> engine 1 (leastload; loads"), result.describe())
    XCTAssertTrue(result.stderr.contains("succeeded on engine 0"), result.describe())
  }

  func testUnknownSchemeIsAStartUpErrorNamingTheValidOnes() throws {
    for (arguments, environment) in [
      (["--scheme", "fastest"], [:]), ([], ["MPIPARALLEL_SCHEME": "roundrobin"]),
    ] {
      let result = try MPIRun.run(
        "mpp-configapp", ranks: 3, arguments: arguments, environment: environment, timeout: 60)
      XCTAssertFalse(result.timedOut, result.describe())
      XCTAssertNotEqual(result.status, 0, result.describe())
      XCTAssertTrue(result.stderr.contains("MPIParallel: configuration: unknown scheme"), result.describe())
      XCTAssertTrue(
        result.stderr.contains("valid schemes: leastload, lru, plainrandom, twobin, weighted"),
        result.describe())
      XCTAssertFalse(result.stdout.contains("ENGINES"), result.describe())
      // Said once (by rank 0), not once per rank.
      XCTAssertEqual(result.stderr.components(separatedBy: "unknown scheme").count - 1, 1, result.describe())
    }
  }

  func testNegativeHighWaterMarkIsAStartUpError() throws {
    let result = try MPIRun.run("mpp-configapp", ranks: 2, arguments: ["--hwm", "-1"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertTrue(
      result.stderr.contains("invalid hwm '-1' (from command-line flag --hwm)"), result.describe())
    let direct = try MPIRun.runDirect("mpp-configapp", environment: ["MPIPARALLEL_HWM": "-2"], timeout: 60)
    XCTAssertEqual(direct.status, 2, direct.describe())
    XCTAssertTrue(direct.stderr.contains("invalid hwm '-2' (from environment variable MPIPARALLEL_HWM)"))
  }

  // MARK: - Helpers

  /// Runs mpp-configapp and checks it succeeded.
  static func configApp(
    ranks: Int, arguments: [String] = [], environment: [String: String] = [:],
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> MPIRunResult {
    let result = try MPIRun.run(
      "mpp-configapp", ranks: ranks, arguments: arguments, environment: environment, timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe(), file: file, line: line)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: line)
    XCTAssertTrue(result.stdout.contains("ECHO ok"), result.describe(), file: file, line: line)
    return result
  }

  /// The package's root directory (holding Package.swift), from this file's path.
  static var packageRoot: String {
    var dir = (#filePath as NSString).deletingLastPathComponent
    while dir != "/" {
      if FileManager.default.fileExists(atPath: dir + "/Package.swift") { return dir }
      dir = (dir as NSString).deletingLastPathComponent
    }
    return FileManager.default.currentDirectoryPath
  }
}
