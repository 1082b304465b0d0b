import Foundation
import XCTest

/// `mpiparallel history` and `mpiparallel timeline` on a journal a real run wrote.
final class JournalToolTests: XCTestCase {
  func testHistoryAndTimelineReadAJournal() throws {
    let directory = NSTemporaryDirectory() + "mpiparallel-tool-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let journal = directory + "/run.journal"
    let run = try MPIRun.run(
      "mpp-testapp", ranks: 3, arguments: ["--journal", journal, "loadbalanced"], timeout: 60)
    XCTAssertEqual(run.status, 0, run.describe())

    let history = try MPIRun.runDirect(
      "mpiparallel", arguments: ["history", "--journal", journal, "--function", "square"])
    XCTAssertEqual(history.status, 0, history.describe())
    let rows = history.stdout.split(separator: "\n").filter { $0.contains(" square ") }
    XCTAssertGreaterThan(rows.count, 200, history.describe())
    XCTAssertTrue(rows.allSatisfy { $0.contains("succeeded") }, history.describe())

    let one = try MPIRun.runDirect(
      "mpiparallel", arguments: ["history", "--journal", journal, "--task", "1", "--json"])
    XCTAssertEqual(one.status, 0, one.describe())
    let object = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any], one.describe())
    XCTAssertEqual(object["task"] as? Int, 1)
    XCTAssertEqual(object["state"] as? String, "succeeded")

    let svg = directory + "/run.svg"
    let timeline = try MPIRun.runDirect(
      "mpiparallel", arguments: ["timeline", "--journal", journal, "--svg", svg])
    XCTAssertEqual(timeline.status, 0, timeline.describe())
    let picture = try String(contentsOfFile: svg, encoding: .utf8)
    XCTAssertTrue(picture.contains(">engine 0<") && picture.contains(">engine 1<"), "one row per engine")

    let missing = try MPIRun.runDirect(
      "mpiparallel", arguments: ["history", "--journal", directory + "/none"])
    XCTAssertEqual(missing.status, 1, missing.describe())
    XCTAssertTrue(missing.stderr.contains("no journal file at"), missing.describe())
    let badState = try MPIRun.runDirect(
      "mpiparallel", arguments: ["history", "--journal", journal, "--state", "odd"])
    XCTAssertEqual(badState.status, 2, badState.describe())
  }
}
