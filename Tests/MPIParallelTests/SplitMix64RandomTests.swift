import XCTest

@testable import MPIParallel

final class SplitMix64RandomTests: XCTestCase {
  func testSameSeedSameSequence() {
    var a = SplitMix64(seed: 42)
    var b = SplitMix64(seed: 42)
    for _ in 0..<1000 { XCTAssertEqual(a.next(), b.next()) }
  }

  func testDifferentSeedsDiffer() {
    var a = SplitMix64(seed: 1)
    var b = SplitMix64(seed: 2)
    let first = (0..<16).map { _ in a.next() }
    let second = (0..<16).map { _ in b.next() }
    XCTAssertNotEqual(first, second)
  }

  func testKnownValuesForSeedZero() {
    // The reference SplitMix64 output for seed 0.
    var generator = SplitMix64(seed: 0)
    XCTAssertEqual(generator.next(), 0xE220_A839_7B1D_CDAF)
    XCTAssertEqual(generator.next(), 0x6E78_9E6A_A1B9_65F4)
    XCTAssertEqual(generator.next(), 0x06C4_5D18_8009_454F)
  }

  func testUniformEnoughForBoundedDraws() {
    var generator = SplitMix64(seed: 7)
    var counts = [Int](repeating: 0, count: 8)
    for _ in 0..<80_000 { counts[Int.random(in: 0..<8, using: &generator)] += 1 }
    for count in counts { XCTAssertEqual(Double(count), 10_000, accuracy: 500) }
  }
}
