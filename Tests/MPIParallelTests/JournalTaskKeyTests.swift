import MPIParallel
import XCTest

/// TaskKey: pinned values (the key must be the same in every run, on every
/// machine), hex round trips, and different inputs giving different keys.
final class JournalTaskKeyTests: XCTestCase {
  func testKnownValues() {
    // low is the standard FNV-1a 64 ("a" -> af63dc4c8601ec8c is the published vector).
    XCTAssertEqual(TaskKey.of([]).hex, "6c62272e07bb0142cbf29ce484222325")
    XCTAssertEqual(TaskKey.of(Array("a".utf8)).hex, "e5c9b63722c2ee79af63dc4c8601ec8c")
    XCTAssertEqual(TaskKey.of(Array("square(7)".utf8)).hex, "ad69fffd41c94dd749deebc2473ee8aa")
    XCTAssertEqual(
      TaskKey.of(Array(0...255) as [UInt8]), TaskKey(high: 0x5dfb_f67f_bd12_1d42, low: 0x4242_dc52_49c3_3625))
  }

  func testBufferAndArrayAgree() {
    let bytes: [UInt8] = Array("sum([1, 2, 3])".utf8)
    let viaBuffer = bytes.withUnsafeBytes { TaskKey.of($0) }
    XCTAssertEqual(viaBuffer, TaskKey.of(bytes))
  }

  func testHexRoundTrip() {
    for key in [
      TaskKey(high: 0, low: 0), TaskKey(high: .max, low: 1), TaskKey(high: 0x0123_4567_89ab_cdef, low: 42),
      TaskKey.of(Array("x".utf8)),
    ] {
      XCTAssertEqual(key.hex.count, 32)
      XCTAssertEqual(key.hex, key.hex.lowercased())
      XCTAssertEqual(TaskKey(hex: key.hex), key)
      XCTAssertEqual(TaskKey(hex: key.hex.uppercased()), key)
      XCTAssertEqual(key.description, key.hex)
    }
    XCTAssertEqual(TaskKey(high: 1, low: 2).hex, "00000000000000010000000000000002")
  }

  func testBadHexIsRejected() {
    XCTAssertNil(TaskKey(hex: ""))
    XCTAssertNil(TaskKey(hex: "0123"))
    XCTAssertNil(TaskKey(hex: String(repeating: "0", count: 33)))
    XCTAssertNil(TaskKey(hex: String(repeating: "g", count: 32)))
    XCTAssertNil(TaskKey(hex: "+" + String(repeating: "0", count: 31)))
    XCTAssertNil(TaskKey(hex: " " + String(repeating: "0", count: 31)))
  }

  func testDifferentInputsDiffer() {
    var seen = Set<TaskKey>()
    for value in 0..<10_000 {
      seen.insert(TaskKey.of(Array("f(\(value))".utf8)))
    }
    XCTAssertEqual(seen.count, 10_000)
    // One flipped bit changes both halves.
    let a = TaskKey.of([1, 2, 3, 4])
    let b = TaskKey.of([1, 2, 3, 5])
    XCTAssertNotEqual(a.high, b.high)
    XCTAssertNotEqual(a.low, b.low)
    // Order matters, and so does length.
    XCTAssertNotEqual(TaskKey.of([1, 2]), TaskKey.of([2, 1]))
    XCTAssertNotEqual(TaskKey.of([0]), TaskKey.of([0, 0]))
  }
}
