import XCTest

@testable import MPIParallel

final class PartitionTests: XCTestCase {
  func testBlocksTileTheRangeAndDifferByAtMostOne() {
    for count in [0, 1, 2, 7, 10, 100, 1001] {
      for parts in 1...9 {
        let ranges = Partition.ranges(count: count, parts: parts)
        XCTAssertEqual(ranges.count, parts)
        XCTAssertEqual(ranges.first?.lowerBound, 0)
        XCTAssertEqual(ranges.last?.upperBound, count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
        let sizes = ranges.map(\.count)
        XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "count \(count) parts \(parts)")
        XCTAssertEqual(sizes, sizes.sorted(by: >), "longer blocks come first")
      }
    }
  }

  func testMatchesIPythonsSplit() {
    // IPython: 10 items over 4 engines -> 3, 3, 2, 2.
    XCTAssertEqual(Partition.ranges(count: 10, parts: 4), [0..<3, 3..<6, 6..<8, 8..<10])
    XCTAssertEqual(Partition.ranges(count: 2, parts: 4), [0..<1, 1..<2, 2..<2, 2..<2])
  }

  func testChunks() {
    XCTAssertEqual(Partition.chunks(count: 7, chunkSize: 3), [0..<3, 3..<6, 6..<7])
    XCTAssertEqual(Partition.chunks(count: 0, chunkSize: 3), [])
    XCTAssertEqual(Partition.chunks(count: 3, chunkSize: 1000), [0..<3])
  }
}
