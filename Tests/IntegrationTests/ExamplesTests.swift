import XCTest

/// The example programs under real MPI (8 ranks: the hub and 7 engines,
/// oversubscribed; some also with fewer). Each example compares its parallel
/// results with a serial computation, prints "CHECK <name>: ok" per check and
/// exits non-zero on a mismatch; these tests assert the exit status and the
/// key check lines.
final class ExamplesTests: XCTestCase {
  /// Runs an example, asserts it finished in time with status 0 and printed
  /// each of `expected` (and no driver failure).
  @discardableResult
  func example(
    _ name: String, ranks: Int = 8, arguments: [String] = [], timeout: Double = 90,
    expecting expected: [String],
    file: StaticString = #filePath, line: UInt = #line
  ) throws -> MPIRunResult {
    let result = try MPIRun.run(name, ranks: ranks, arguments: arguments, timeout: timeout)
    XCTAssertFalse(result.timedOut, result.describe(), file: file, line: line)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: line)
    XCTAssertFalse(result.stderr.contains("the driver failed"), result.describe(), file: file, line: line)
    for text in expected {
      XCTAssertTrue(
        result.stdout.contains(text), "missing '\(text)'\n" + result.describe(), file: file, line: line)
    }
    return result
  }

  func testPrimes() throws {
    try example(
      "primes",
      expecting: [
        "7 engines, 24 numbers", "1099726899285419 is prime: false", "DirectView.map:",
        "LoadBalancedView.map:",
        "CHECK DirectView.map equals serial: ok", "CHECK LoadBalancedView.map equals serial: ok",
        "CHECK known primality: ok",
      ])
  }

  func testPi() throws {
    for ranks in [8, 3] {
      try example(
        "pi", ranks: ranks, arguments: ["--samples", "4000000"],
        expecting: [
          "4000000 samples over \(ranks - 1) engines", "pi ~ 3.1", "CHECK per-engine counts equal serial: ok",
          "CHECK total equals serial: ok",
        ])
    }
  }

  func testSleepTasks() throws {
    let directory = NSTemporaryDirectory() + "sleep-tasks-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try example(
      "sleep-tasks", arguments: ["--timeline-dir", directory],
      expecting: [
        "CHECK chunkSize 1: every task ran once: ok", "CHECK chunkSize 1: every value right: ok",
        "CHECK chunkSize 4: every task ran once: ok", "CHECK chunkSize 4: every value right: ok",
        "engine 6: slept 0.30 s (id 6)", "CHECK DirectView: one result per engine, in engine order: ok",
      ])
    // One line per task in each of the two load-balanced runs.
    let taskLines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("task ") }
    XCTAssertEqual(taskLines.count, 64, result.describe())
    XCTAssertEqual(result.stdout.components(separatedBy: "makespan").count - 1, 4, result.describe())
    XCTAssertTrue(result.stdout.contains("with cost hints"), result.describe())
    // The timeline pictures: an SVG with a row per engine, a trace with an event per task.
    let svg = try String(contentsOfFile: directory + "/sleep-tasks-timeline.svg", encoding: .utf8)
    for engine in 0..<7 { XCTAssertTrue(svg.contains(">engine \(engine)<"), "no row for engine \(engine)") }
    let trace = try Data(contentsOf: URL(fileURLWithPath: directory + "/sleep-tasks-trace.json"))
    let events = try XCTUnwrap(
      (try JSONSerialization.jsonObject(with: trace) as? [String: Any])?["traceEvents"] as? [[String: Any]])
    XCTAssertEqual(events.filter { $0["ph"] as? String == "X" }.count, 32 + 8 + 7 + 32 + 32)
  }

  func testNestedLoops() throws {
    try example(
      "nested-loops",
      expecting: [
        "parallel: [6, 7, 8, 9, 12, 14, 16, 18, 18, 21, 24, 27]",
        "CHECK load-balanced map over the product equals the nested loop: ok",
        "CHECK DirectView map agrees: ok",
      ])
  }

  func testScatterGather() throws {
    try example(
      "scatter-gather",
      expecting: [
        "engine 0: a has 28572 elements", "engine 6: a has 28571 elements",
        "CHECK the slices are a, in engine order: ok", "CHECK counts add up to 200000: ok",
        "CHECK b[i] == a[i]**2 for every i: ok",
      ])
  }

  /// The heat example: halo exchange among the engines and a field equal to the serial one bit
  /// for bit, with 7 engines, with 2, and with more engines than rows (engines owning none); the
  /// PGM pictures it writes are checked as files, and an unstable alpha ends it with an error.
  func testHeat() throws {
    let directory = NSTemporaryDirectory() + "heat-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let checks = [
      "CHECK heat.advance before heat.init is refused: ok", "CHECK alpha 0.3 is refused: ok",
      "CHECK rows per engine are the block partition: ok", "CHECK leg 1: field equals serial: ok",
      "CHECK leg 2: heat.source returned the previous strength 1.0: ok",
      "CHECK leg 3: heat.advance returned step 200 on every engine: ok",
      "CHECK leg 3: field equals serial: ok", "CHECK leg 3: every engine reports the same stats: ok",
      "CHECK leg 3: stats equal serial: ok", "CHECK gather('heat.u') is the field: ok",
      "CHECK the PGM equals serial: ok",
    ]
    let picture = directory + "/heat.pgm"
    try example(
      "heat", arguments: ["--pgm", picture],
      expecting: checks + [
        "heat: 64 x 48 grid, alpha 0.2, 200 steps on 7 engines", "rows per engine: [10, 9, 9, 9, 9, 9, 9]",
        "wrote \(picture): PGM 48 x 64", "heat: OK 64 x 48 grid, 200 steps on 7 engines",
      ])
    try checkPGM(picture, rows: 64, cols: 48)

    try example(
      "heat", ranks: 3,
      expecting: checks + ["rows per engine: [32, 32]", "heat: OK 64 x 48 grid, 200 steps on 2 engines"])

    // 5 rows over 7 engines: engines 5 and 6 own no rows and sit out the halo exchange.
    let small = directory + "/small.pgm"
    try example(
      "heat", arguments: ["--rows", "5", "--cols", "7", "--steps", "31", "--pgm", small],
      expecting: [
        "rows per engine: [1, 1, 1, 1, 1, 0, 0]", "CHECK leg 3: field equals serial: ok",
        "CHECK leg 3: stats equal serial: ok", "CHECK the PGM equals serial: ok",
        "heat: OK 5 x 7 grid, 31 steps on 7 engines",
      ])
    try checkPGM(small, rows: 5, cols: 7)

    let unstable = try MPIRun.run("heat", ranks: 3, arguments: ["--alpha", "0.5"], timeout: 90)
    XCTAssertFalse(unstable.timedOut, unstable.describe())
    XCTAssertNotEqual(unstable.status, 0, unstable.describe())
    XCTAssertTrue(
      unstable.stderr.contains("alpha must be in (0, 0.25] for the explicit scheme to be stable, got 0.5"),
      unstable.describe())
    XCTAssertFalse(unstable.stdout.contains("heat: OK"), unstable.describe())
  }

  /// Checks that `path` is a valid ASCII PGM (P2) of `cols` x `rows` with maximum 255: the header,
  /// one grey level per cell, each within 0...255, both ends of the scale used, lines of at most
  /// 70 characters.
  func checkPGM(_ path: String, rows: Int, cols: Int, file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertTrue(
      text.hasPrefix("P2\n\(cols) \(rows)\n255\n"), String(text.prefix(40)), file: file, line: line)
    let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
    XCTAssertEqual(Array(tokens.prefix(4)), ["P2", "\(cols)", "\(rows)", "255"], file: file, line: line)
    let levels = tokens.dropFirst(4).map { Int($0) }
    XCTAssertEqual(levels.count, rows * cols, "grey levels in \(path)", file: file, line: line)
    XCTAssertTrue(
      levels.allSatisfy { $0 != nil && (0...255).contains($0!) }, "a level outside 0...255", file: file,
      line: line)
    XCTAssertEqual(levels.compactMap { $0 }.max(), 255, file: file, line: line)
    XCTAssertEqual(levels.compactMap { $0 }.min(), 0, file: file, line: line)
    XCTAssertTrue(text.hasSuffix("\n"), file: file, line: line)
    XCTAssertTrue(
      text.split(separator: "\n").allSatisfy { $0.count <= 70 }, "a line over 70 characters", file: file,
      line: line)
  }

  func testTour() throws {
    try example(
      "tour",
      expecting: [
        "engines: [0, 1, 2, 3, 4, 5, 6]", "CHECK norm on engine 0 equals serial: ok",
        "CHECK norm on the load-balanced view equals serial: ok",
        "CHECK every process is an engine's (host and pid): ok",
        "CHECK DirectView map of x**10 equals serial: ok",
        "CHECK LoadBalancedView map of x**10 equals serial: ok",
        "CHECK pull returns one value per engine: ok", "CHECK only engine 0 holds it: ok",
        "name 'onlyOnZero' is not defined", "CHECK the error names engine 1: ok", "6 of 7 engines failed",
      ])
  }
}
