import Foundation
import XCTest

/// The library as a dependency: Examples/UserPackage, a separate package that
/// depends on MPIParallel by path, builds with `swift build` into its own
/// .build and runs under mpirun, checking its results against a serial
/// computation.
final class UserPackageTests: XCTestCase {
  func testUserPackageBuildsAndRunsUnderMPIRun() throws {
    let package = LaunchTests.packageRoot + "/Examples/UserPackage"
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    guard let swift = MPIRun.findExecutable("swift", path: path + ":/opt/swift/usr/bin") else {
      throw XCTSkip("no swift on PATH to build Examples/UserPackage")
    }
    // A cold build compiles MPIParallel and swift-log again: give it time.
    let build = try MPIRun.runDirect(
      executable: swift, arguments: ["build", "--package-path", package], timeout: 1200)
    XCTAssertFalse(build.timedOut, build.describe())
    XCTAssertEqual(build.status, 0, build.describe())
    let binPath = try MPIRun.runDirect(
      executable: swift, arguments: ["build", "--package-path", package, "--show-bin-path"], timeout: 300)
    XCTAssertEqual(binPath.status, 0, binPath.describe())
    let app = binPath.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/UserApp"
    XCTAssertTrue(app.hasPrefix(package + "/.build/"), "the user package builds into its own .build: \(app)")

    for ranks in [2, 4] {
      let result = try MPIRun.run(executable: app, ranks: ranks, timeout: 60)
      XCTAssertFalse(result.timedOut, result.describe())
      XCTAssertEqual(result.status, 0, result.describe())
      XCTAssertTrue(
        result.stdout.contains("UserApp: \(ranks - 1) engines; sum of squares 1...100 = 338350; ok"),
        result.describe())
      XCTAssertFalse(result.stdout.contains("MISMATCH"), result.describe())
    }
  }
}
