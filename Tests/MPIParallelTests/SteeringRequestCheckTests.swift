import MPIParallelSteering
import XCTest

@testable import MPIParallel

/// The checks of the numbers a steering request carries, how its refusals
/// write engine ids, and the chunk arithmetic of a load-balanced map for a
/// huge chunk size: without MPI.
final class SteeringRequestCheckTests: XCTestCase {
  /// The failure a check throws, or nil when it passes.
  func refusal(_ check: () throws -> Void) -> SteeringFailure? {
    do {
      try check()
      return nil
    } catch {
      return error as? SteeringFailure
    }
  }

  func testChunkSizesOutsideOneThroughTheWiresCountAreRefused() {
    for bad in [Int.min, -1, 0, Int(UInt32.max) + 1, Int.max] {
      let failure = refusal { try SteeringRequestCheck.chunkSize(bad, in: "map") }
      XCTAssertEqual(failure?.kind, "badArguments", "chunk size \(bad)")
      XCTAssertTrue(
        failure?.message.hasPrefix("map: chunkSize must be between 1 and ") ?? false, "\(failure!)")
      XCTAssertTrue(failure?.message.hasSuffix("not \(bad)") ?? false, "\(failure!)")
    }
    for good in [1, 2, 1000, Int(UInt32.max)] {
      XCTAssertNil(refusal { try SteeringRequestCheck.chunkSize(good, in: "map") }, "chunk size \(good)")
    }
  }

  func testTimeoutsRefuseNaNAndNegativesAndCapInfinity() throws {
    for bad in [Double.nan, -Double.nan, -1, -Double.infinity, -1e-300] {
      let failure = refusal { _ = try SteeringRequestCheck.timeout(bad, longest: 10, in: "wait") }
      XCTAssertEqual(failure?.kind, "badArguments", "timeout \(bad)")
      XCTAssertTrue(failure?.message.hasPrefix("wait: timeout must be 0 or more seconds") ?? false, "\(bad)")
    }
    XCTAssertEqual(try SteeringRequestCheck.timeout(.infinity, longest: 10, in: "wait"), 10)
    XCTAssertEqual(try SteeringRequestCheck.timeout(1e300, longest: 10, in: "wait"), 10)
    XCTAssertEqual(try SteeringRequestCheck.timeout(2.5, longest: 10, in: "wait"), 2.5)
    XCTAssertEqual(try SteeringRequestCheck.timeout(0, longest: 10, in: "arrivals"), 0)
    XCTAssertEqual(try SteeringRequestCheck.timeout(-0.0, longest: 10, in: "arrivals"), 0)
  }

  func testIDsStartAtOne() {
    for bad in [Int.min, -1, 0] {
      XCTAssertEqual(
        refusal { try SteeringRequestCheck.id(bad, of: "job", in: "wait") }?.message,
        "wait: job ids start at 1, not \(bad)")
    }
    XCTAssertNil(refusal { try SteeringRequestCheck.id(Int.max, of: "task", in: "result") })
    XCTAssertEqual(
      refusal { try SteeringRequestCheck.ids([3, 1, -7, 0], of: "task", in: "abort") }?.message,
      "abort: task ids start at 1, not -7")
    XCTAssertNil(refusal { try SteeringRequestCheck.ids([], of: "task", in: "abort") })
    XCTAssertNil(refusal { try SteeringRequestCheck.ids([1, Int.max], of: "task", in: "abort") })
  }

  func testEngineIDsStartAtZeroAndARetireNamesOne() {
    for bad in [Int.min, -1] {
      let failure = refusal { try SteeringRequestCheck.engineIDs([2, bad, 0], in: "retire") }
      XCTAssertEqual(failure?.kind, "badArguments")
      XCTAssertEqual(failure?.message, "retire: engine ids start at 0, not \(bad)")
    }
    XCTAssertEqual(
      refusal { try SteeringRequestCheck.engineIDs([], in: "retire") }?.message,
      "retire: name at least one engine")
    XCTAssertNil(refusal { try SteeringRequestCheck.engineIDs([0], in: "retire") })
    XCTAssertNil(refusal { try SteeringRequestCheck.engineIDs([3, Int.max, 3], in: "retire") })
  }

  func testEngineIDListsAreWrittenAsRuns() {
    XCTAssertEqual(SteeringService.idList([]), "none")
    XCTAssertEqual(SteeringService.idList([4]), "4")
    XCTAssertEqual(SteeringService.idList([0, 1, 2]), "0...2")
    XCTAssertEqual(SteeringService.idList([0, 2, 3, 4, 5, 9]), "0, 2...5, 9")
    XCTAssertEqual(SteeringService.idList([Int.max - 1, Int.max]), "\(Int.max - 1)...\(Int.max)")
  }

  func testTasksSeenRunFromZeroToTheJobsTotal() {
    for bad in [Int.min, -1, 6, Int.max] {
      let failure = refusal { try SteeringRequestCheck.seen(bad, total: 5, job: 3, in: "arrivals") }
      XCTAssertEqual(failure?.kind, "badArguments")
      XCTAssertEqual(failure?.message, "arrivals: job 3 has 5 tasks; cannot start after \(bad)")
    }
    for good in [0, 3, 5] {
      XCTAssertNil(refusal { try SteeringRequestCheck.seen(good, total: 5, job: 3, in: "arrivals") })
    }
  }

  func testAHugeChunkSizeIsClampedSoTheChunkArithmeticCannotOverflow() {
    XCTAssertEqual(LoadBalancedView.effectiveChunkSize(Int.max, count: 2), 2)
    XCTAssertEqual(LoadBalancedView.effectiveChunkSize(Int.max, count: 0), 1)
    XCTAssertEqual(LoadBalancedView.effectiveChunkSize(3, count: 10), 3)
    XCTAssertEqual(LoadBalancedView.effectiveChunkSize(1, count: 10), 1)
    XCTAssertEqual(
      LoadBalancedView.effectiveChunkSize(Int.max, count: Int(UInt32.max) + 5), Int(UInt32.max),
      "a task's item count travels as a UInt32")
    // What `submit` computes from it: the chunk count and each chunk's items.
    let count = 2
    let chunkSize = LoadBalancedView.effectiveChunkSize(Int.max, count: count)
    let chunkCount = (count + chunkSize - 1) / chunkSize
    XCTAssertEqual(chunkCount, 1)
    XCTAssertEqual((0 * chunkSize)..<Swift.min(count, (0 + 1) * chunkSize), 0..<2)
  }
}
