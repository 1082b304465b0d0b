import Foundation
import XCTest

/// The tool and a job whose hub runs on another host (its connection file
/// says which): a pid names a process on its own host only, so the hub's pid
/// is never looked up here; the hub is asked over the network, and one that
/// cannot be reached is said to be unreachable, its files kept.
final class SteeringElsewhereCLITests: XCTestCase {
  func testAHubOnAnotherHostIsNeverJudgedByItsPid() throws {
    let home = SteeringCLITests.makeHome()
    defer { try? FileManager.default.removeItem(atPath: home) }
    let gone = Process()
    gone.executableURL = URL(fileURLWithPath: "/bin/true")
    try gone.run()
    gone.waitUntilExit()
    let file = home + "/profile_far/client.json"
    try FileManager.default.createDirectory(
      atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    // Its pid is no process here; nothing listens on port 1 here.
    let connection: [String: Any] = [
      "transport": "tcp", "ip": "127.0.0.1", "port": 1, "key": String(repeating: "ab", count: 32),
      "signatureScheme": "hmac-sha256", "profile": "far", "pid": Int(gone.processIdentifier), "engines": 2,
      "host": "node-elsewhere.example",
    ]
    try JSONSerialization.data(withJSONObject: connection).write(to: URL(fileURLWithPath: file))

    let stop = try SteeringCLITests.run(["stop", "--profile", "far"], home: home)
    XCTAssertNotEqual(stop.status, 0, stop.describe())
    XCTAssertTrue(
      stop.stderr.contains("the hub of profile far runs on host node-elsewhere.example"), stop.describe())
    XCTAssertTrue(stop.stderr.contains("cannot be reached from this host"), stop.describe())
    XCTAssertFalse(stop.stdout.contains("was not running"), stop.describe())
    XCTAssertTrue(FileManager.default.fileExists(atPath: file), "stop removed the files of a job elsewhere")

    let engines = try SteeringCLITests.run(["engines", "--profile", "far"], home: home)
    XCTAssertNotEqual(engines.status, 0, engines.describe())
    XCTAssertFalse(engines.stderr.contains("is stale"), engines.describe())

    let list = try SteeringCLITests.run(["list", "--json"], home: home)
    let entries = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
    XCTAssertEqual(
      entries.compactMap { $0["state"] as? String }, ["on node-elsewhere.example"], list.describe())
  }

  func testAJobStartedOnAnotherHostIsLeftToThatHost() throws {
    let home = SteeringCLITests.makeHome()
    defer { try? FileManager.default.removeItem(atPath: home) }
    let path = home + "/profile_started/cluster.json"
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let record: [String: Any] = [
      "profile": "started", "pid": 1, "command": ["mpirun"], "started": "now", "engines": 2,
      "log": "/dev/null",
      "host": "node-elsewhere.example",
    ]
    try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: path))
    let stop = try SteeringCLITests.run(["stop", "--profile", "started"], home: home)
    XCTAssertNotEqual(stop.status, 0, stop.describe())
    XCTAssertTrue(stop.stderr.contains("written on host node-elsewhere.example"), stop.describe())
    XCTAssertTrue(FileManager.default.fileExists(atPath: path), "stop removed the files of a job elsewhere")
    let start = try SteeringCLITests.run(
      ["start", "--profile", "started", "-n", "1", "--", "/bin/true"], home: home)
    XCTAssertNotEqual(start.status, 0, start.describe())
    XCTAssertTrue(start.stderr.contains("started on host node-elsewhere.example"), start.describe())
  }
}
