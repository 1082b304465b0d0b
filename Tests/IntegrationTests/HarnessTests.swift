import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Tests of the integration-test harness itself (Support/MPIRun.swift), on system binaries.
final class HarnessTests: XCTestCase {
  func testProductPathOfMissingProductThrowsClearError() {
    let product = "no-such-product-\(getpid())"
    XCTAssertThrowsError(try MPIRun.productPath(product)) { error in
      guard case MPIRunError.productNotFound(let name, let path, _) = error else {
        return XCTFail("unexpected error \(error)")
      }
      XCTAssertEqual(name, product)
      XCTAssertTrue(path.hasPrefix("/"), "not absolute: \(path)")
      XCTAssertTrue(path.hasSuffix("/" + product), path)
      let message = String(describing: error)
      XCTAssertTrue(message.contains(product), message)
      XCTAssertTrue(message.contains(path), message)
      XCTAssertTrue(message.contains("swift build"), message)
    }
  }

  func testBinDirectoryIsTheOneHoldingTheTestBundle() throws {
    let dir = try XCTUnwrap(MPIRun.binDirectoryCandidates().first)
    var isDir: ObjCBool = false
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue, dir)
    let contents = try FileManager.default.contentsOfDirectory(atPath: dir)
    XCTAssertTrue(contents.contains { $0.hasSuffix(".xctest") }, "no .xctest in \(dir): \(contents)")
  }

  func testEchoUnderMpirunPrintsOneLinePerRank() throws {
    let result = try MPIRun.run(executable: "echo", ranks: 2, arguments: ["hello"], timeout: 30)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    XCTAssertEqual(lines.filter { $0 == "hello" }.count, 2, result.describe())
  }

  func testFailingRankGivesNonzeroStatus() throws {
    let result = try MPIRun.run(executable: "false", ranks: 2, timeout: 30)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
  }

  func testWatchdogKillsMpirunAndItsRanks() throws {
    let started = Date()
    let (result, session) = try MPIRun.launch(
      executable: "sleep", ranks: 2, arguments: ["30"], environment: [:], timeout: 3)
    let elapsed = Date().timeIntervalSince(started)
    XCTAssertTrue(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertGreaterThanOrEqual(result.duration, 3, result.describe())
    XCTAssertLessThan(elapsed, 10, result.describe())
    XCTAssertTrue(result.describe().contains("TIMED OUT"), result.describe())
    XCTAssertEqual(MPIRun.livingProcesses(inGroup: session), [], "mpirun's process group still alive")
    XCTAssertEqual(MPIRun.livingProcesses(inSession: session), [], "ranks of the run still alive")
  }

  func testWatchdogEscalatesToSIGKILLWhenSIGTERMIsIgnored() throws {
    let (result, session) = try MPIRun.launch(
      executable: "/bin/sh", ranks: nil, arguments: ["-c", "trap '' TERM; sleep 30; echo not-killed"],
      environment: [:], timeout: 1)
    XCTAssertTrue(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 128 + SIGKILL, result.describe())
    XCTAssertGreaterThanOrEqual(result.duration, 3.5, result.describe())
    XCTAssertLessThan(result.duration, 10, result.describe())
    XCTAssertFalse(result.stdout.contains("not-killed"), result.describe())
    XCTAssertEqual(MPIRun.livingProcesses(inSession: session), [], "sleep child still alive")
  }

  func testRunDirectCapturesStatusStreamsAndEnvironment() throws {
    let result = try MPIRun.runDirect(
      executable: "/bin/sh",
      arguments: [
        "-c",
        "echo out; echo err >&2; echo \"$HARNESS_VAR\"; echo \"$OMPI_MCA_rmaps_base_oversubscribe\"; exit 3",
      ],
      environment: ["HARNESS_VAR": "from-test"], timeout: 30)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 3, result.describe())
    XCTAssertEqual(result.stdout, "out\nfrom-test\n1\n", result.describe())
    XCTAssertEqual(result.stderr, "err\n", result.describe())
  }

  func testLargeOutputOnBothStreamsDoesNotDeadlock() throws {
    let script =
      "head -c 2000000 /dev/zero | tr '\\0' a; head -c 2000000 /dev/zero | tr '\\0' b >&2; echo done"
    let result = try MPIRun.runDirect(executable: "/bin/sh", arguments: ["-c", script], timeout: 30)
    XCTAssertFalse(result.timedOut, "deadlocked on a full pipe?\n" + result.describe())
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertEqual(result.stdout.count, 2_000_005)
    XCTAssertEqual(result.stderr.count, 2_000_000)
  }

  func testEnvironmentIsRootSafeAndOversubscribed() {
    let env = MPIRun.mergedEnvironment(["EXTRA": "1", "OMPI_MCA_btl_base_warn_component_unused": "1"])
    XCTAssertEqual(env["OMPI_MCA_rmaps_base_oversubscribe"], "1")
    XCTAssertEqual(env["EXTRA"], "1")
    XCTAssertEqual(env["OMPI_MCA_btl_base_warn_component_unused"], "1", "caller's settings win")
    XCTAssertNotNil(env["PATH"])
    if geteuid() == 0 {
      XCTAssertEqual(env["OMPI_ALLOW_RUN_AS_ROOT"], "1")
      XCTAssertEqual(env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"], "1")
    }
  }

  func testDescribeShowsStatusAndTails() {
    let long = String(repeating: "x", count: 5000) + "END"
    let result = MPIRunResult(status: 7, stdout: long, stderr: "boom", timedOut: false, duration: 1.5)
    let text = result.describe()
    XCTAssertTrue(text.contains("exit status 7"), text)
    XCTAssertTrue(text.contains("END"), text)
    XCTAssertTrue(text.contains("boom"), text)
    XCTAssertLessThan(text.count, 2600, "stdout tail not cut to 2000 chars")
  }
}
