import Foundation
import Synchronization
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// The journal under real MPI: a farm killed by SIGTERM (as a batch system
/// does at its wall-time limit) resumes without re-running what completed; a
/// task that crashes its engine twice is quarantined; a file that is not a
/// journal is refused and left as it was.
final class JournalTests: XCTestCase {
  var directory = ""

  override func setUpWithError() throws {
    directory = NSTemporaryDirectory() + "mpiparallel-journal-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func lines(_ path: String) -> [String] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
  }

  /// The pid of the mpirun whose command line holds `marker` (found in /proc, never by name alone).
  func mpirunPID(holding marker: String) -> pid_t? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
      guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
      else {
        continue
      }
      let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
      if arguments.first.map({ $0.hasSuffix("mpirun") }) == true && arguments.contains(marker) { return pid }
    }
    return nil
  }

  func testAFarmKilledMidwayResumesWithoutRerunningWhatCompleted() throws {
    let journal = directory + "/farm.journal"
    let log = directory + "/ran.log"
    let arguments = ["--journal", journal, "journal-farm", log]
    // Run 1, killed with SIGTERM once a fifth of the tasks ran (mpirun takes
    // about a second to pass the signal on, and the ranks get it a few seconds
    // after that; the farm needs about 8 s).
    let box = Mutex<MPIRunResult?>(nil)
    let finished = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      let result = try? MPIRun.run("mpp-testapp", ranks: 5, arguments: arguments, timeout: 90)
      box.withLock { $0 = result }
      finished.signal()
    }
    let deadline = Date().addingTimeInterval(60)
    while lines(log).count < 40 && Date() < deadline { usleep(20_000) }
    let pid = try XCTUnwrap(mpirunPID(holding: journal), "mpirun of run 1 not found")
    kill(pid, SIGTERM)
    XCTAssertEqual(finished.wait(timeout: .now() + 60), .success)
    let killed = try XCTUnwrap(box.withLock { $0 })
    XCTAssertNotEqual(killed.status, 0, killed.describe())
    XCTAssertFalse(
      killed.stdout.contains("FARM OK"), "run 1 was meant to be killed midway: " + killed.describe())
    let done = Set(
      killed.stdout.split(separator: "\n").filter { $0.hasPrefix("done ") }.map { String($0.dropFirst(5)) })
    XCTAssertGreaterThan(done.count, 0, killed.describe())
    XCTAssertLessThan(done.count, 200, killed.describe())
    // Rank 0 had the time to record how run 1 ended (mpirun's SIGTERM reaches
    // the ranks, and SIGKILL follows only after odls_base_sigkill_timeout).
    XCTAssertTrue(killed.stderr.contains("terminated; writing the journal"), killed.describe())
    XCTAssertEqual(try runEnds(journal), ["1 terminated"], killed.describe())
    let ranFirst = lines(log).count

    // Run 2 with the same journal finishes, and runs nothing that run 1 had completed.
    let second = try MPIRun.run("mpp-testapp", ranks: 5, arguments: arguments, timeout: 90)
    XCTAssertEqual(second.status, 0, second.describe())
    XCTAssertTrue(second.stdout.contains("FARM OK"), second.describe())
    XCTAssertTrue(second.stdout.contains("ALL CHECKS PASSED"), second.describe())
    let ranAgain = Set(lines(log).dropFirst(ranFirst).map { String($0.dropFirst(4)) })
    XCTAssertTrue(
      ranAgain.isDisjoint(with: done),
      "re-ran completed tasks: \(ranAgain.intersection(done).sorted())\nlog: \(lines(log).suffix(130))\nrun 1: "
        + killed.describe() + "\nrun 2: " + second.describe())
    XCTAssertEqual(ranAgain.union(done).count, 200, "every task ran in one of the runs")
  }

  /// Each run of the journal as "RUN HOW" (HOW empty when no end was
  /// recorded), read with Python's sqlite3 module: this test target does not
  /// link SQLite.
  private func runEnds(_ journal: String) throws -> [String] {
    let script =
      "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
      + "print('\\n'.join(f'{r} {h or \"\"}'.strip() for r, h in c.execute('SELECT run, how FROM runs ORDER BY run')))"
    let result = try MPIRun.runDirect(executable: "python3", arguments: ["-c", script, journal], timeout: 30)
    XCTAssertEqual(result.status, 0, result.describe())
    return result.stdout.split(separator: "\n").map(String.init)
  }

  func testATaskThatCrashesItsEngineTwiceIsQuarantined() throws {
    let journal = directory + "/crash.journal"
    let arguments = ["--journal", journal, "journal-crash"]
    for run in 1...2 {
      let crashed = try MPIRun.run("mpp-testapp", ranks: 3, arguments: arguments, timeout: 60)
      XCTAssertFalse(crashed.timedOut, crashed.describe())
      XCTAssertNotEqual(crashed.status, 0, "run \(run): " + crashed.describe())
      XCTAssertTrue(crashed.stderr.contains("function 'crashOn'"), "run \(run): " + crashed.describe())
    }
    let third = try MPIRun.run("mpp-testapp", ranks: 3, arguments: arguments, timeout: 60)
    XCTAssertEqual(third.status, 0, third.describe())
    XCTAssertTrue(third.stdout.contains("QUARANTINED 7"), third.describe())
    XCTAssertTrue(third.stdout.contains("ALL CHECKS PASSED"), third.describe())
  }

  func testAFileThatIsNotAJournalIsRefusedAndLeftAsItWas() throws {
    let path = directory + "/not-a-journal"
    let bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
    try bytes.write(to: URL(fileURLWithPath: path))
    let result = try MPIRun.run(
      "mpp-testapp", ranks: 2, arguments: ["--journal", path, "basics"], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertNotEqual(result.status, 0, result.describe())
    XCTAssertTrue(
      result.stderr.contains("MPIParallel: journal:") && result.stderr.contains(path), result.describe())
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), bytes, "the file was modified")
  }
}
