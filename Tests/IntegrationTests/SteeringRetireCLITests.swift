import Foundation
import XCTest

/// `mpiparallel engines retire` on a served job of its own (mpp-testapp, 3
/// engines, a home of its own): the engine retires and leaves, the others keep
/// working, and bad ids are refused with the job still serving. The job is
/// ended in the end, by `stop` and then by pid (`SteeringCLITests.end`).
final class SteeringRetireCLITests: XCTestCase {
  static let profile = "retire"

  func testRetireAnEngineThenTheOthersWorkAndBadIDsAreRefused() throws {
    let home = SteeringCLITests.makeHome()
    defer {
      SteeringCLITests.end(home: home, profile: Self.profile)
      try? FileManager.default.removeItem(atPath: home)
    }
    let app = try MPIRun.productPath("mpp-testapp")
    let start = try SteeringCLITests.run(
      ["start", "-n", "3", "--oversubscribe", "--profile", Self.profile, "--", app], home: home, timeout: 90)
    XCTAssertEqual(start.status, 0, start.describe())
    guard start.status == 0 else { return }
    func tool(_ arguments: [String]) throws -> MPIRunResult {
      try SteeringCLITests.run(arguments + ["--profile", Self.profile], home: home)
    }
    func engines() throws -> [Int: String] {
      let listed = try tool(["engines", "--json"])
      XCTAssertEqual(listed.status, 0, listed.describe())
      let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
      var states: [Int: String] = [:]
      for row in rows { if let id = row["id"] as? Int { states[id] = row["state"] as? String } }
      return states
    }
    XCTAssertEqual(try engines().keys.sorted(), [0, 1, 2])

    let retire = try tool(["engines", "retire", "1"])
    XCTAssertEqual(retire.status, 0, retire.describe())
    XCTAssertEqual(retire.stdout, "retiring engine 1\n", retire.describe())

    // It finishes what it holds (nothing) and leaves: "retiring", then "retired".
    var states = try engines()
    let deadline = Date().addingTimeInterval(10)
    while states[1] != "retired" && Date() < deadline {
      XCTAssertTrue(["retiring", "retired"].contains(states[1]), "\(states)")
      Thread.sleep(forTimeInterval: 0.2)
      states = try engines()
    }
    XCTAssertEqual(states[1], "retired", "engine 1 within 10 s: \(states)")
    for id in [0, 2] { XCTAssertTrue(["idle", "busy"].contains(states[id]), "engine \(id): \(states)") }
    XCTAssertTrue(try tool(["engines"]).stdout.contains("retired"), "the table shows it")
    let status = try tool(["status", "--json"])
    let queue = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
    let queueStates = (queue?["engines"] as? [[String: Any]] ?? []).map { $0["state"] as? String ?? "-" }
    XCTAssertEqual(queueStates, ["up", "retired", "up"], status.describe())

    // Work goes to the others.
    let map = try tool(["map", "engineIDOf", "--items", "[0,1,2,3,4,5,6,7,8,9,10,11]", "--json"])
    XCTAssertEqual(map.status, 0, map.describe())
    let ran = try JSONSerialization.jsonObject(with: Data(map.stdout.utf8)) as? [Int]
    XCTAssertEqual(ran?.count, 12, map.describe())
    XCTAssertTrue(Set(ran ?? [1]).isSubset(of: [0, 2]), "ran on \(String(describing: ran))")
    XCTAssertEqual(try tool(["apply", "engineIDOf", "5"]).stdout, "engine 0: 0\nengine 2: 2\n")

    // Retiring it again retires nothing, and says so.
    let again = try tool(["engines", "retire", "1"])
    XCTAssertEqual(again.status, 0, again.describe())
    XCTAssertEqual(
      again.stdout, "nothing to retire: engine 1 was already retiring, retired or lost\n", again.describe())
    let againJSON = try tool(["engines", "retire", "1", "--json"])
    XCTAssertEqual(againJSON.stdout, #"{"notRetiring":[1],"retiring":[]}"# + "\n", againJSON.describe())

    // Bad ids: one line on standard error, a non-zero status, and the job goes on.
    func refused(_ arguments: [String], status: Int32, saying text: String) throws {
      // The profile first: after `--` every argument is an id.
      let result = try SteeringCLITests.run(
        ["engines", "retire", "--profile", Self.profile] + arguments, home: home)
      XCTAssertEqual(result.status, status, "\(arguments): " + result.describe())
      XCTAssertTrue(result.stderr.hasPrefix("mpiparallel: "), result.describe())
      XCTAssertTrue(result.stderr.contains(text), "\(arguments) should say '\(text)': " + result.describe())
      XCTAssertEqual(result.stdout, "", result.describe())
    }
    try refused(["99"], status: 1, saying: "no engine 99 in this job; its engines are 0...2 (up: 0, 2)")
    try refused(["-1"], status: 1, saying: "retire: engine ids start at 0, not -1")
    try refused(["--", "-1"], status: 1, saying: "retire: engine ids start at 0, not -1")
    try refused(["abc"], status: 2, saying: "'abc' is not an engine id")
    try refused([], status: 2, saying: "give one or more engine ids")
    // The last engines up stay: a served job keeps one.
    try refused(["0", "2"], status: 1, saying: "engines 0, 2 are the last up")
    try refused(["0", "1", "2"], status: 1, saying: "a served job keeps at least one")
    states = try engines()
    XCTAssertEqual(states, [0: states[0] ?? "?", 1: "retired", 2: states[2] ?? "?"])
    for id in [0, 2] { XCTAssertTrue(["idle", "busy"].contains(states[id]), "engine \(id): \(states)") }
    XCTAssertEqual(try tool(["map", "square", "--items", "[1,2,3]"]).stdout, "1\n4\n9\n")

    // Two engines join (mpiparallel start runs mpirun with --enable-recovery and --oversubscribe).
    let add = try tool(["engines", "add", "2"])
    XCTAssertEqual(add.status, 0, add.describe())
    XCTAssertEqual(add.stdout, "added engines 3, 4\n", add.describe())
    states = try engines()
    XCTAssertEqual(states.keys.sorted(), [0, 1, 2, 3, 4], "\(states)")
    for id in [3, 4] { XCTAssertTrue(["idle", "busy"].contains(states[id]), "engine \(id): \(states)") }
    let spread = try tool(["map", "engineIDOf", "--items", "[\((0..<60).map(String.init).joined(separator: ","))]", "--json"])
    let ranOn = Set(try JSONSerialization.jsonObject(with: Data(spread.stdout.utf8)) as? [Int] ?? [])
    XCTAssertTrue(ranOn.isSubset(of: [0, 2, 3, 4]) && !ranOn.isDisjoint(with: [3, 4]), "ran on \(ranOn.sorted())")
    let zero = try SteeringCLITests.run(["engines", "add", "0", "--profile", Self.profile], home: home)
    XCTAssertEqual(zero.status, 2, zero.describe())
  }
}
