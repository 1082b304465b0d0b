import XCTest

/// The six example programs under real MPI (8 ranks: the hub and 7 engines,
/// oversubscribed). Each example compares its parallel results with a serial
/// computation, prints "CHECK <name>: ok" per check and exits non-zero on a
/// mismatch; these tests assert the exit status and the key check lines.
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

  func testTour() throws {
    try example(
      "tour",
      expecting: [
        "engines: [0, 1, 2, 3, 4, 5, 6]", "CHECK norm on engine 0 equals serial: ok",
        "CHECK norm on the load-balanced view equals serial: ok", "CHECK every pid is an engine's pid: ok",
        "CHECK DirectView map of x**10 equals serial: ok",
        "CHECK LoadBalancedView map of x**10 equals serial: ok",
        "CHECK pull returns one value per engine: ok", "CHECK only engine 0 holds it: ok",
        "name 'onlyOnZero' is not defined", "CHECK the error names engine 1: ok", "6 of 7 engines failed",
      ])
  }
}
