import Foundation
import XCTest

@testable import MPIParallel

/// Malformed input: every error says what and where, nothing traps.
final class WireErrorTests: XCTestCase {

  func testTruncatedInput() throws {
    assertWireError(
      .truncated(needed: 8, available: 3, offset: 0), try Wire.decode(Int.self, from: [1, 2, 3]))
    assertWireError(.truncated(needed: 4, available: 0, offset: 0), try Wire.decode(String.self, from: []))
    assertWireError(
      .truncated(needed: 5, available: 2, offset: 4), try Wire.decode(String.self, from: [5, 0, 0, 0, 1, 2]))
    // A [Double] whose count promises more than is there: no allocation, just an error.
    assertWireError(
      .truncated(needed: 80, available: 8, offset: 8),
      try Wire.decode([Double].self, from: le(UInt64(10)) + le(UInt64(0))))
    assertWireError(
      .truncated(needed: Int.max, available: 0, offset: 8),
      try Wire.decode([Double].self, from: le(UInt64.max)))
    // Every strict prefix of a valid encoding fails with truncated.
    let bytes = try Wire.encode(sampleRecord(note: "n", weight: 2, nested: .some(nil)))
    for n in 0..<bytes.count {
      XCTAssertThrowsError(try Wire.decode(Record.self, from: Array(bytes.prefix(n)))) { error in
        guard let wire = error as? WireError else { return XCTFail("\(error)") }
        switch wire.root {
        case .truncated: break
        default: XCTFail("prefix \(n): \(wire)")
        }
      }
    }
  }

  func testErrorMessagesNameTypeAndOffset() throws {
    var bytes = try Wire.encode([Point(x: 1, y: 2), Point(x: 3, y: 4)])
    bytes.removeLast(3)
    XCTAssertThrowsError(try Wire.decode([Point].self, from: bytes)) { error in
      let wire = error as! WireError
      guard case .context(let type, let path, .truncated) = wire else { return XCTFail("\(wire)") }
      XCTAssertEqual(type, "Point")
      XCTAssertEqual(path, "[1]")
      XCTAssertTrue(wire.description.contains("Point"), wire.description)
      XCTAssertTrue(wire.description.contains("offset"), wire.description)
      XCTAssertNotNil(wire.offset)
    }
    XCTAssertThrowsError(try Wire.decode(Int.self, from: [1])) { error in
      XCTAssertTrue("\(error)".contains("Int"), "\(error)")
    }
    let record = try Wire.encode(sampleRecord(note: nil, weight: nil, nested: nil))
    XCTAssertThrowsError(try Wire.decode(Record.self, from: Array(record.dropLast()))) { error in
      XCTAssertTrue("\(error)".contains("while decoding"), "\(error)")
    }
  }

  func testTrailingBytes() throws {
    assertWireError(
      .trailingBytes(count: 1, type: "Int"), try Wire.decode(Int.self, from: try Wire.encode(1) + [0]))
    assertWireError(
      .trailingBytes(count: 2, type: "Point"),
      try Wire.decode(Point.self, from: try Wire.encode(Point(x: 1, y: 1)) + [1, 2]))
    assertWireError(
      .trailingBytes(count: 8, type: "Array<Double>"),
      try Wire.decode([Double].self, from: try Wire.encode([1.0, 2.0]) + le(UInt64(0))))
  }

  func testInvalidBoolByte() throws {
    assertWireError(
      .invalidValue("Bool byte must be 0 or 1, found 2", offset: 0), try Wire.decode(Bool.self, from: [2]))
    assertWireError(
      .invalidValue("Bool byte must be 0 or 1, found 255", offset: 9),
      try Wire.decode([Bool].self, from: le(UInt64(2)) + [1, 255]))
    assertWireError(
      .invalidValue("Optional flag byte must be 0 or 1, found 7", offset: 0),
      try Wire.decode(Int?.self, from: [7] + le(1)))
  }

  func testInvalidUTF8() throws {
    assertWireError(.invalidUTF8(offset: 4), try Wire.decode(String.self, from: [2, 0, 0, 0, 0xC3, 0x28]))
    assertWireError(.invalidUTF8(offset: 4), try Wire.decode(String.self, from: [1, 0, 0, 0, 0xFF]))
    let key: [UInt8] = le(UInt32(1)) + [1, 0, 0, 0, 0x80] + le(UInt64(0))
    assertWireError(.invalidUTF8(offset: 8), try Wire.decode(Point.self, from: key))
  }

  func testRandomGarbageNeverTraps() {
    var rng = SplitMix64(seed: 0x5EED)
    var failures = 0
    for i in 0..<4000 {
      let length = Int.random(in: 0...96, using: &rng)
      var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      if i % 2 == 0, bytes.count >= 4 {
        // Plausible small counts so decoding gets past the first header.
        bytes[0] = UInt8.random(in: 0...12, using: &rng)
        bytes[1] = 0
        bytes[2] = 0
        bytes[3] = 0
      }
      for decode in [
        { _ = try Wire.decode(Record.self, from: bytes) },
        { _ = try Wire.decode(WireShape.self, from: bytes) },
        { _ = try Wire.decode([String: [Int?]].self, from: bytes) },
        { _ = try Wire.decode([[Point]].self, from: bytes) },
        { _ = try Wire.decode(Manual.self, from: bytes) },
      ] as [() throws -> Void] {
        do { try decode() } catch is WireError { failures += 1 } catch is DecodingError {
          failures += 1
        } catch {
          XCTFail("unexpected error type \(error)")
        }
      }
    }
    XCTAssertGreaterThan(failures, 0)
  }

  func testMutatedValidEncodingsNeverTrap() throws {
    var rng = SplitMix64(seed: 42)
    let valid = try Wire.encode(sampleRecord(note: "note", weight: 1, nested: 3))
    let shapes = try Wire.encode([WireShape.polygon([Point(x: 1, y: 2)], closed: true), .circle(radius: 1)])
    for i in 0..<3000 {
      var bytes = i % 2 == 0 ? valid : shapes
      for _ in 0..<Int.random(in: 1...4, using: &rng) {
        bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
      }
      if i % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
      do {
        if i % 2 == 0 {
          _ = try Wire.decode(Record.self, from: bytes)
        } else {
          _ = try Wire.decode([WireShape].self, from: bytes)
        }
      } catch is WireError {} catch is DecodingError {} catch { XCTFail("unexpected error type \(error)") }
    }
  }
}
