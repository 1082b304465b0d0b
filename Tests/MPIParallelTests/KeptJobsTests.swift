import XCTest

@testable import MPIParallel
@testable import MPIParallelSteering

/// Which finished steering jobs the hub forgets; no MPI.
final class KeptJobsTests: XCTestCase {
  typealias Entry = KeptJobs.Entry

  func testWithinBothBoundsNothingIsForgotten() {
    let entries = [Entry(id: 1, bytes: 10), Entry(id: 2, bytes: 10), Entry(id: 3, bytes: nil)]
    XCTAssertEqual(KeptJobs.forgotten(entries, count: 3, bytes: 20), [])
  }

  func testPastTheBytesTheOldestFinishedGoFirstUntilWithin() {
    let entries = [
      Entry(id: 4, bytes: 30), Entry(id: 1, bytes: 50), Entry(id: 2, bytes: nil), Entry(id: 3, bytes: 40),
      Entry(id: 5, bytes: 10),
    ]
    // 130 bytes held, 60 allowed: 1 (50) and 3 (40) go; 2 is still running.
    XCTAssertEqual(KeptJobs.forgotten(entries, count: 100, bytes: 60), [1, 3])
  }

  func testTheNewestFinishedJobIsKeptAloneOverTheBytes() {
    let entries = [Entry(id: 1, bytes: 100), Entry(id: 2, bytes: 500), Entry(id: 3, bytes: nil)]
    XCTAssertEqual(KeptJobs.forgotten(entries, count: 100, bytes: 0), [1])
    XCTAssertEqual(KeptJobs.forgotten([Entry(id: 7, bytes: 1 << 40)], count: 100, bytes: 0), [])
  }

  func testPastTheCountTheOldestFinishedGoDownToIt() {
    let entries = (1...10).map { Entry(id: $0, bytes: $0 % 3 == 0 ? nil : 1) }
    // 10 kept, 4 allowed: finished 1, 2, 4, 5, 7, 8 go in order until 4 are left.
    XCTAssertEqual(KeptJobs.forgotten(entries, count: 4, bytes: .max), [1, 2, 4, 5, 7, 8])
    XCTAssertEqual(KeptJobs.forgotten(entries, count: 8, bytes: .max), [1, 2])
  }

  func testRunningJobsAloneAreNeverForgotten() {
    let entries = (1...5).map { Entry(id: $0, bytes: nil) }
    XCTAssertEqual(KeptJobs.forgotten(entries, count: 0, bytes: 0), [])
  }

  func testAValueCountsItsNumbersAndText() {
    let array = NumericArray([Double](repeating: 1, count: 1000))
    XCTAssertEqual(KeptJobs.byteCount(of: .numbers(array)), 16 + 8000)
    XCTAssertEqual(KeptJobs.byteCount(of: .string("abc")), 19)
    XCTAssertEqual(
      KeptJobs.byteCount(of: .array([.int(1), .object(["key": .string("value")])])), 16 + 16 + 16 + 3 + 16 + 5
    )
  }
}
