import Foundation
import XCTest

/// Steering the `heat` example from the shell, as the documentation shows it,
/// with the built tool: start it served, advance it, pull a picture of the
/// field, change the source, advance again, look, stop.
final class HeatSteeringTests: XCTestCase {
  func testSteerTheHeatExampleFromTheCommandLine() throws {
    let home = SteeringCLITests.makeHome()
    defer {
      SteeringCLITests.end(home: home, profile: "heat")
      try? FileManager.default.removeItem(atPath: home)
    }
    func tool(_ arguments: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line)
      throws
      -> MPIRunResult
    {
      let result = try SteeringCLITests.run(arguments + ["--profile", "heat"], home: home)
      XCTAssertEqual(result.status, status, result.describe(), file: file, line: line)
      return result
    }
    func values(_ result: MPIRunResult) throws -> [Any] {
      let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
      return object?["values"] as? [Any] ?? []
    }

    let started = try SteeringCLITests.run(
      ["start", "-n", "3", "--profile", "heat", "--", try MPIRun.productPath("heat")], home: home, timeout: 90
    )
    XCTAssertEqual(started.status, 0, started.describe())
    XCTAssertTrue(
      started.stdout.hasPrefix("profile heat: 3 engines served at 127.0.0.1:"), started.describe())
    XCTAssertEqual(started.stdout.split(separator: "\n").count, 5, "a summary, a header, 3 engines")
    let functions = try tool(["functions"]).stdout.split(separator: "\n")
    XCTAssertTrue(
      functions.contains { $0.hasPrefix("heat.advance") && $0.hasSuffix("all engines at once") },
      "\(functions)")
    XCTAssertTrue(functions.contains { $0.hasPrefix("heat.field") && $0.hasSuffix("any") }, "\(functions)")

    XCTAssertEqual(
      try values(tool(["apply", "heat.init", "40", "30", "0.2", "--json"])) as? [Int], [14, 13, 13])
    XCTAssertEqual(
      try tool(["apply", "heat.advance", "50"]).stdout, "engine 0: 50\nengine 1: 50\nengine 2: 50\n")
    let picture = home + "/field-50.pgm"
    _ = try tool(["apply", "heat.pgm", "--output", picture])
    let pgm = try String(contentsOfFile: picture, encoding: .utf8)
    XCTAssertTrue(pgm.hasPrefix("P2\n30 40\n255\n"), String(pgm.prefix(40)))
    let pixels = pgm.split(whereSeparator: \.isWhitespace).dropFirst(4).compactMap { Int($0) }
    XCTAssertEqual(pixels.count, 40 * 30)
    XCTAssertEqual(pixels.max(), 255)
    XCTAssertTrue(pixels.allSatisfy { (0...255).contains($0) })
    let before = try values(tool(["apply", "heat.stats", "--json", "--targets", "all"]))
    let maxBefore = try XCTUnwrap((before.first as? [String: Any])?["max"] as? Double)

    // A stronger source, then 50 more steps: hotter.
    XCTAssertEqual(try values(tool(["apply", "heat.source", "5", "--json"])) as? [Double], [1, 1, 1])
    _ = try tool(["apply", "heat.advance", "50"])
    let after = try values(tool(["apply", "heat.stats", "--json"]))
    let stats = try XCTUnwrap(after.first as? [String: Any])
    XCTAssertEqual(stats["step"] as? Int, 100)
    XCTAssertGreaterThan(try XCTUnwrap(stats["max"] as? Double), maxBefore * 2)
    XCTAssertEqual(after.count, 3)

    // The whole field, gathered in engine order; a collective call on one engine is refused, not hung.
    let field = try JSONSerialization.jsonObject(
      with: Data(tool(["gather", "heat.u", "--json"]).stdout.utf8))
    XCTAssertEqual((field as? [Double])?.count, 40 * 30)
    let partial = try tool(["apply", "heat.advance", "1", "--targets", "0"], status: 1)
    XCTAssertTrue(partial.stderr.contains("heat.advance is collective"), partial.describe())
    XCTAssertEqual(
      try tool(["apply", "heat.advance", "0"]).stdout, "engine 0: 100\nengine 1: 100\nengine 2: 100\n")

    // Stop: nothing is left running, and the connection file is gone.
    let record =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: home + "/profile_heat/cluster.json"))) as? [String: Any]
    let pids =
      ([record?["pid"] as? Int, record?["hub"] as? Int] + (record?["enginePIDs"] as? [Int] ?? []).map { $0 })
      .compactMap { $0 }
    XCTAssertEqual(pids.count, 5, "\(String(describing: record))")
    _ = try tool(["stop"])
    XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/profile_heat/client.json"))
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline, pids.contains(where: SteeringCLITests.isAlive) {
      Thread.sleep(forTimeInterval: 0.1)
    }
    XCTAssertEqual(pids.filter(SteeringCLITests.isAlive), [], "processes left after stop")
  }
}
