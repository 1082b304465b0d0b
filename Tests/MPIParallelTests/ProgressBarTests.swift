import XCTest

@testable import MPIParallel

#if canImport(Glibc)
  import Glibc
#endif

final class ProgressBarTests: XCTestCase {
  func testNothingDone() {
    let bar = ProgressBar(total: 1024, width: 20)
    XCTAssertEqual(bar.line(done: 0, elapsed: 3), "[                    ]    0/1024  0.00/s  ETA -:--")
  }

  func testHalfDone() {
    let bar = ProgressBar(total: 1024, width: 20)
    // 512 in 41.6 s: 12.3/s, 512 left -> 41.6 s -> rounds up to 0:42.
    XCTAssertEqual(bar.line(done: 512, elapsed: 41.6), "[##########          ]  512/1024  12.3/s  ETA 0:42")
  }

  func testAllDoneShowsTheTimeTaken() {
    let bar = ProgressBar(total: 10, width: 10)
    XCTAssertEqual(bar.line(done: 10, elapsed: 83), "[##########] 10/10  0.12/s  in 1:23")
    // More than the total is clamped.
    XCTAssertEqual(bar.line(done: 12, elapsed: 83), "[##########] 10/10  0.12/s  in 1:23")
  }

  func testZeroElapsed() {
    let bar = ProgressBar(total: 4, width: 4)
    XCTAssertEqual(bar.line(done: 0, elapsed: 0), "[    ] 0/4  -/s  ETA -:--")
    XCTAssertEqual(bar.line(done: 2, elapsed: 0), "[##  ] 2/4  -/s  ETA -:--")
    XCTAssertEqual(bar.line(done: 1, elapsed: -1), "[#   ] 1/4  -/s  ETA -:--")
    XCTAssertEqual(bar.line(done: 1, elapsed: .nan), "[#   ] 1/4  -/s  ETA -:--")
  }

  func testWidth() {
    for width in [1, 5, 30, 80] {
      let bar = ProgressBar(total: 3, width: width)
      for done in 0...3 {
        let line = bar.line(done: done, elapsed: 1)
        let inside = line.dropFirst().prefix { $0 != "]" }
        XCTAssertEqual(inside.count, width, line)
        XCTAssertEqual(inside.filter { $0 == "#" }.count, done * width / 3, line)
      }
    }
    XCTAssertEqual(
      ProgressBar(total: 3).line(done: 0, elapsed: 1).prefix(32),
      "[" + String(repeating: " ", count: 30) + "]")
    // Zero items: complete from the start; a width below 1 becomes 1.
    XCTAssertEqual(ProgressBar(total: 0, width: 0).line(done: 0, elapsed: 0), "[#] 0/0  -/s  in 0:00")
  }

  func testRateFormatting() {
    XCTAssertEqual(ProgressBar.rate(0.5234), "0.52")
    XCTAssertEqual(ProgressBar.rate(9.999), "10.00")
    XCTAssertEqual(ProgressBar.rate(12.34), "12.3")
    XCTAssertEqual(ProgressBar.rate(512.4), "512")
    XCTAssertEqual(ProgressBar.rate(41_666), "41.7k")
    XCTAssertEqual(ProgressBar.rate(12_345_678), "12.3M")
    XCTAssertTrue(ProgressBar(total: 200_000).line(done: 100_000, elapsed: 2).contains("  50.0k/s  ETA 0:02"))
  }

  func testETAFormatting() {
    XCTAssertEqual(ProgressBar.clock(0), "0:00")
    XCTAssertEqual(ProgressBar.clock(0.2), "0:01")
    XCTAssertEqual(ProgressBar.clock(59), "0:59")
    XCTAssertEqual(ProgressBar.clock(61), "1:01")
    XCTAssertEqual(ProgressBar.clock(3599), "59:59")
    XCTAssertEqual(ProgressBar.clock(3600), "1:00:00")
    XCTAssertEqual(ProgressBar.clock(3 * 3600 + 5 * 60 + 7), "3:05:07")
    XCTAssertEqual(ProgressBar.clock(1e12), "99:59:59")
    XCTAssertEqual(ProgressBar.clock(.infinity), "-:--")
    // 1 of 1000 after an hour: 999 hours left, shown capped.
    XCTAssertEqual(
      ProgressBar(total: 1000, width: 1).line(done: 1, elapsed: 3600), "[ ]    1/1000  0.00/s  ETA 99:59:59")
  }

  func testDrawingIsSilentWhenNotATerminal() throws {
    // Standard error pointed at a pipe: not a terminal, so nothing is drawn.
    var fds: [Int32] = [0, 0]
    XCTAssertEqual(pipe(&fds), 0)
    let saved = dup(2)
    fflush(nil)  // every C output stream, standard error among them
    dup2(fds[1], 2)
    let isTerminal = ProgressBar.isTerminal
    let bar = ProgressBar(total: 2)
    bar.draw(done: 1, elapsed: 1)
    bar.finish(done: 2, elapsed: 2)
    dup2(saved, 2)
    close(saved)
    close(fds[1])
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = read(fds[0], &buffer, buffer.count)
    close(fds[0])
    XCTAssertFalse(isTerminal)
    XCTAssertEqual(count, 0, "wrote \(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self))")
  }
}
