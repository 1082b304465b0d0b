import Foundation
import MPIParallel
import XCTest

/// Not a test: measures how long the journal takes to write 200,000
/// records. Runs only with MPIPARALLEL_JOURNAL_BENCH=1 (see
/// Scripts/journal-bench, which builds it optimised).
final class JournalBenchmarkTests: XCTestCase {
  func testWriteThroughput() throws {
    guard ProcessInfo.processInfo.environment["MPIPARALLEL_JOURNAL_BENCH"] == "1" else {
      throw XCTSkip("set MPIPARALLEL_JOURNAL_BENCH=1 to measure")
    }
    let count = Int(ProcessInfo.processInfo.environment["MPIPARALLEL_JOURNAL_BENCH_RECORDS"] ?? "") ?? 200_000
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("journal-bench-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let journal = try Journal(path: directory.appendingPathComponent("bench.sqlite").path)
    let run = try journal.beginRun()
    // Build the records first: the benchmark measures the journal, not this.
    let now = Date()
    let records = (1...count).map { id -> JournalRecord in
      // Scattered keys (FNV keys of similar arguments cluster, which would flatter any key index).
      let mixed = UInt64(id) &* 0x9e37_79b9_7f4a_7c15
      let key = TaskKey(high: mixed ^ (mixed >> 29), low: mixed &* 0xbf58_476d_1ce4_e5b9)
      return JournalRecord(
        run: run, taskID: id, function: "square", key: key, engineID: id % 15 + 1, state: .succeeded,
        submitted: now, started: now, completed: now, error: nil,
        result: Array(repeating: UInt8(id % 256), count: 24))
    }
    let cpuBefore = Self.cpuSeconds()
    let start = Date()
    for record in records { journal.append(record) }
    let appended = Date()
    try journal.flush()
    let flushed = Date()
    let cpu = Self.cpuSeconds() - cpuBefore
    try journal.endRun(run, how: .clean)
    let readStart = Date()
    let results = try journal.completedResults()
    let readTime = Date().timeIntervalSince(readStart)
    try journal.close()
    XCTAssertEqual(results.count, count)
    let total = flushed.timeIntervalSince(start)
    print(
      String(
        format:
          "journal bench: %d records: append %.3f s (%.2f µs each), append+flush %.3f s (%.0f records/s), "
          + "CPU (both threads) %.3f s, completedResults %.3f s",
        count, appended.timeIntervalSince(start), appended.timeIntervalSince(start) / Double(count) * 1e6,
        total,
        Double(count) / total, cpu, readTime))
  }

  static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
      + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
  }
}
