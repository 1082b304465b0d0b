import XCTest

/// The runtime under real MPI: the test app's scenarios at 2, 3, 5 and 8
/// ranks. Each scenario checks its own results and prints one line per check;
/// these tests assert the exit status, that every check passed and that no
/// check failed, with a watchdog per run.
final class RuntimeTests: XCTestCase {
  func scenario(
    _ name: String, ranks: Int, timeout: Double = 60, file: StaticString = #filePath, line: UInt = #line
  ) throws -> MPIRunResult {
    let result = try MPIRun.run("mpp-testapp", ranks: ranks, arguments: [name], timeout: timeout)
    XCTAssertFalse(result.timedOut, result.describe(), file: file, line: line)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: line)
    XCTAssertFalse(result.stdout.contains("FAIL "), result.describe(), file: file, line: line)
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe(), file: file, line: line)
    return result
  }

  func testBasicsAt2358Ranks() throws {
    for ranks in [2, 3, 5, 8] {
      let result = try scenario("basics", ranks: ranks)
      XCTAssertTrue(result.stdout.contains("ENGINES \(ranks - 1)"), result.describe())
      // Every rank's MPI calls are serialized, so Open MPI's own locks are off.
      XCTAssertTrue(result.stdout.contains("OPENMPI LOCKS hub=off engines=off"), result.describe())
      // Oversubscribed or not, the runtime's back-off decides when to yield, not Open MPI.
      XCTAssertTrue(result.stdout.contains("OPENMPI YIELD hub=off engines=off"), result.describe())
    }
  }

  func testOpenMPIYieldKeptWhenTheEnvironmentAsks() throws {
    try assertBasics(
      ranks: 5, environment: ["OMPI_MCA_mpi_yield_when_idle": "1"], print: "OPENMPI YIELD hub=on engines=on")
  }

  func testOpenMPILocksKeptWhenAsked() throws {
    try assertBasics(
      ranks: 3, environment: ["MPIPARALLEL_OPENMPI_LOCKS": "keep"], print: "OPENMPI LOCKS hub=on engines=on")
  }

  /// Runs the basics scenario with `environment` added, and asserts that it
  /// passed and printed `line`.
  func assertBasics(
    ranks: Int, environment: [String: String], print line: String, file: StaticString = #filePath,
    lineNumber: UInt = #line
  ) throws {
    let result = try MPIRun.run("mpp-testapp", ranks: ranks, arguments: ["basics"], environment: environment)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: lineNumber)
    XCTAssertTrue(
      result.stdout.contains("ALL CHECKS PASSED"), result.describe(), file: file, line: lineNumber)
    XCTAssertTrue(result.stdout.contains(line), result.describe(), file: file, line: lineNumber)
  }

  func testLoadBalancedAt2358Ranks() throws {
    for ranks in [2, 3, 5, 8] { _ = try scenario("loadbalanced", ranks: ranks) }
  }

  func testNamespaceAndCollectivesAt2358Ranks() throws {
    for ranks in [2, 3, 5, 8] { _ = try scenario("namespace", ranks: ranks) }
  }

  func testErrorsAt5And8Ranks() throws {
    // Engines 0 and 1 fail, the others succeed: one composite error listing both.
    for ranks in [5, 8] {
      let result = try scenario("errors", ranks: ranks)
      XCTAssertTrue(
        result.stdout.contains("ERROR composite: 2 of \(ranks - 1) engines failed"), result.describe())
      XCTAssertTrue(result.stdout.contains("[engine 1] Boom in 'failOnLow'"), result.describe())
    }
  }

  func testErrorsAt2And3Ranks() throws {
    for ranks in [2, 3] {
      let result = try scenario("errors", ranks: ranks)
      XCTAssertTrue(result.stdout.contains("ERROR unknown: EngineError in 'unregistered'"), result.describe())
      XCTAssertTrue(
        result.stdout.contains(
          "ERROR unencodable: could not encode the arguments of apply(takesUnencodable)"),
        result.describe())
    }
  }

  func testSchedulerFlagsWithRealEnginesAt5And8Ranks() throws {
    // Retries away from failing engines, a functional dependency that finds the
    // one engine where it holds, required capabilities, a follow chain on one
    // engine, after, impossible dependencies, both timeouts, resubmit, cost
    // hints (costliest first), queue status, bad input.
    for ranks in [5, 8] { _ = try scenario("scheduler", ranks: ranks, timeout: 90) }
  }

  func testAutomaticHighWaterMarkRisesForShortTasksAndStaysOneForLongOnes() throws {
    let result = try MPIRun.run(
      "mpp-testapp", ranks: 5, arguments: ["--hwm", "auto", "--log-level", "debug", "auto-hwm"], timeout: 90)
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    // Each change of an engine's limit is logged: some rose above one during the short tasks.
    let limits = result.stderr.split(separator: "\n").compactMap { line -> Int? in
      guard let range = line.range(of: "holds up to ") else { return nil }
      return Int(line[range.upperBound...].prefix { $0.isNumber })
    }
    XCTAssertGreaterThan(limits.max() ?? 0, 1, "no engine's limit rose: " + result.describe())
    XCTAssertTrue(result.stderr.contains("hwm auto"), result.describe())
  }

  func testIPythonParityAt5And8Ranks() throws {
    // A DirectView keeps the engine order it was given (apply, map, pull,
    // scatter and gather, targets, metadata), a pending result cannot be
    // resubmitted, views describe themselves, maps take any collection.
    for ranks in [5, 8] { _ = try scenario("parity", ranks: ranks, timeout: 90) }
  }

  func testEverySchemeAsTheClustersScheme() throws {
    for scheme in ["lru", "plainrandom", "twobin", "weighted"] {
      let result = try MPIRun.run("mpp-testapp", ranks: 5, arguments: ["--scheme", scheme, "loadbalanced"])
      XCTAssertEqual(result.status, 0, "\(scheme): " + result.describe())
      XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), "\(scheme): " + result.describe())
    }
  }

  func testSeveralTasksPerEngineTravelInBundles() throws {
    // hwm 4 and unlimited: the hub packs each engine's tasks into one message
    // and engines answer with bundles of replies; results must not change.
    for hwm in ["4", "0"] {
      for name in ["loadbalanced", "errors", "basics"] {
        let result = try MPIRun.run("mpp-testapp", ranks: 5, arguments: ["--hwm", hwm, name], timeout: 60)
        XCTAssertEqual(result.status, 0, "hwm \(hwm) \(name): " + result.describe())
        XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), "hwm \(hwm) \(name): " + result.describe())
      }
    }
  }

  func testLargeDataPastTheEagerLimit() throws {
    for ranks in [2, 5] { _ = try scenario("large", ranks: ranks) }
  }

  func testConcurrentDriverThreads() throws {
    _ = try scenario("concurrent", ranks: 5)
  }

  func testAsyncDriver() throws {
    for ranks in [3, 8] { _ = try scenario("async", ranks: ranks) }
  }

  func testIdleEnginesDoNotBurnACore() throws {
    let result = try scenario("idle", ranks: 5)
    XCTAssertTrue(result.stdout.contains("IDLE CPU percent per engine"), result.describe())
  }

  func testDriverErrorStopsEnginesAndExitsNonZero() throws {
    let result = try MPIRun.run("mpp-testapp", ranks: 3, arguments: ["driver-error"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stderr.contains("the driver failed: boom on engine -1"), result.describe())
  }

  func testCrashingTaskEndsTheJobAndNamesTheRank() throws {
    let result = try MPIRun.run("mpp-testapp", ranks: 3, arguments: ["crash"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertLessThan(result.duration, 30, result.describe())
    XCTAssertTrue(result.stdout.contains("crashing engine 1"), result.describe())
    XCTAssertFalse(result.stdout.contains("UNREACHABLE"), result.describe())
    XCTAssertTrue(
      result.stderr.contains("engine 1 (rank 2") && result.stderr.contains("function 'crash'"),
      result.describe())
  }

  func testSingleRankSaysHowToStart() throws {
    let result = try MPIRun.runDirect("mpp-testapp", arguments: ["basics"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 2, result.describe())
    XCTAssertTrue(result.stderr.contains("mpirun -np"), result.describe())
  }

  func testCommandLineToolListsEngines() throws {
    let result = try MPIRun.run("mpiparallel", ranks: 3, arguments: ["engines"], timeout: 60)
    XCTAssertEqual(result.status, 0, result.describe())
    let rows = result.stdout.split(separator: "\n").filter { $0.first?.isNumber == true }
    XCTAssertEqual(rows.count, 2, result.describe())
  }
}
