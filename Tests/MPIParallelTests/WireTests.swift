import Foundation
import XCTest

@testable import MPIParallel

final class WireTests: XCTestCase {

  // MARK: Helpers

  private func roundTrip<T: Codable & Equatable>(
    _ value: T, file: StaticString = #filePath, line: UInt = #line
  ) throws -> [UInt8] {
    let bytes = try Wire.encode(value)
    let back = try Wire.decode(T.self, from: bytes)
    XCTAssertEqual(back, value, file: file, line: line)
    return bytes
  }

  // MARK: Scalars

  func testIntegerWidthsRoundTripWithMinMax() throws {
    func check<T: FixedWidthInteger & Codable>(_: T.Type) throws {
      for v in [T.min, T.max, 0, 1, T.min / 2, T.max / 3] {
        let bytes = try roundTrip(v)
        XCTAssertEqual(bytes.count, MemoryLayout<T>.size, "\(T.self)")
        XCTAssertEqual(bytes, le(v))
      }
    }
    try check(Int.self)
    try check(Int8.self)
    try check(Int16.self)
    try check(Int32.self)
    try check(Int64.self)
    try check(UInt.self)
    try check(UInt8.self)
    try check(UInt16.self)
    try check(UInt32.self)
    try check(UInt64.self)
  }

  func testIntLayoutIsEightBytesLittleEndian() throws {
    XCTAssertEqual(try Wire.encode(1), [1, 0, 0, 0, 0, 0, 0, 0])
    XCTAssertEqual(try Wire.encode(-2), [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    XCTAssertEqual(try Wire.encode(UInt.max).count, 8)
    XCTAssertEqual(try Wire.encode(Int16(0x0102)), [2, 1])
  }

  func testFloatingPointSpecialValues() throws {
    let doubles: [Double] = [
      0, -0.0, 1.5, .pi, .infinity, -.infinity, .greatestFiniteMagnitude,
      .leastNonzeroMagnitude, .ulpOfOne,
    ]
    for d in doubles {
      let back = try Wire.decode(Double.self, from: try Wire.encode(d))
      XCTAssertEqual(back.bitPattern, d.bitPattern)
    }
    let floats: [Float] = [
      0, -0.0, 2.25, .infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
    ]
    for f in floats {
      let bytes = try Wire.encode(f)
      XCTAssertEqual(bytes.count, 4)
      XCTAssertEqual(try Wire.decode(Float.self, from: bytes).bitPattern, f.bitPattern)
    }
    let nan = Double(nan: 0x1234, signaling: false)
    XCTAssertEqual(try Wire.decode(Double.self, from: try Wire.encode(nan)).bitPattern, nan.bitPattern)
    XCTAssertTrue(try Wire.decode(Float.self, from: try Wire.encode(Float.nan)).isNaN)
    XCTAssertEqual(try Wire.encode(-0.0), le((-0.0).bitPattern))
    XCTAssertEqual(try Wire.decode([Double].self, from: try Wire.encode([Double.nan]))[0].isNaN, true)
  }

  func testBool() throws {
    XCTAssertEqual(try roundTrip(true), [1])
    XCTAssertEqual(try roundTrip(false), [0])
    XCTAssertEqual(try roundTrip([true, false, true]), le(UInt64(3)) + [1, 0, 1])
  }

  func testStrings() throws {
    XCTAssertEqual(try roundTrip(""), [0, 0, 0, 0])
    XCTAssertEqual(try roundTrip("hi"), [2, 0, 0, 0, 0x68, 0x69])
    let unicode = "héllo wörld ∑ 🧪👩‍👩‍👧 日本語"
    let bytes = try roundTrip(unicode)
    XCTAssertEqual(bytes.count, 4 + unicode.utf8.count)
    _ = try roundTrip(String(repeating: "x", count: 100_000))
    _ = try roundTrip(["", "a", unicode])
    XCTAssertEqual(try roundTrip([String]()), le(UInt64(0)))
  }

  // MARK: Arrays and the fast path

  func testDoubleArrayLayoutIsCountPlusRawMemory() throws {
    let values: [Double] = [1, -2.5, .infinity]
    let bytes = try roundTrip(values)
    var expected = le(UInt64(3))
    for v in values { expected += le(v.bitPattern) }
    XCTAssertEqual(bytes, expected)
    XCTAssertEqual(try roundTrip([UInt8]()), le(UInt64(0)))
    XCTAssertEqual(try roundTrip([UInt8](repeating: 7, count: 5)), le(UInt64(5)) + [7, 7, 7, 7, 7])
  }

  func testEveryScalarArrayEmptySmallAndLarge() throws {
    func check<T: WireScalar & Equatable>(_: T.Type, _ make: (Int) -> T) throws {
      _ = try roundTrip([T]())
      _ = try roundTrip([make(1), make(2), make(3)])
      let large = (0..<1_000_000).map(make)
      let bytes = try roundTrip(large)
      XCTAssertEqual(bytes.count, 8 + 1_000_000 * MemoryLayout<T>.stride)
      _ = try roundTrip(ContiguousArray(large.prefix(1000)))
    }
    try check(Int.self) { $0 &* -7 }
    try check(Int8.self) { Int8(truncatingIfNeeded: $0) }
    try check(Int16.self) { Int16(truncatingIfNeeded: $0 &* 31) }
    try check(Int32.self) { Int32(truncatingIfNeeded: $0 &* 1_000_003) }
    try check(Int64.self) { Int64($0) &* Int64.max / 999_999 }
    try check(UInt.self) { UInt($0) &* 0x9E37_79B9_7F4A_7C15 }
    try check(UInt8.self) { UInt8(truncatingIfNeeded: $0) }
    try check(UInt16.self) { UInt16(truncatingIfNeeded: $0) }
    try check(UInt32.self) { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) }
    try check(UInt64.self) { UInt64($0) &* 0xFF51_AFD7_ED55_8CCD }
    try check(Float.self) { Float($0) * 0.5 }
    try check(Double.self) { Double($0) / 3 }
  }

  func testFastPathMatchesElementwiseLayout() throws {
    // The raw fast path and the generic unkeyed path produce the same bytes.
    let values: [Int32] = [1, -1, .max, .min]
    var elementwise = le(UInt64(values.count))
    for v in values { elementwise += le(v) }
    XCTAssertEqual(try Wire.encode(values), elementwise)
    XCTAssertEqual(try Wire.encode(Set([Int32(5)])), le(UInt64(1)) + le(Int32(5)))
  }

  func testNestedArrays() throws {
    let grid: [[Double]] = [[1, 2, 3], [], [4.5]]
    let bytes = try roundTrip(grid)
    var expected = le(UInt64(3))
    for row in grid {
      expected += le(UInt64(row.count))
      for v in row { expected += le(v.bitPattern) }
    }
    XCTAssertEqual(bytes, expected)
    _ = try roundTrip([[[UInt8]]]([[[1, 2], []], [], [[3]]]))
    _ = try roundTrip([[String]]([["a"], [], ["b", "c"]]))
  }

  func testLargeArrayFastPathIsFast() throws {
    let large = [Double](repeating: 1.25, count: 4_000_000)
    let start = Date()
    let bytes = try Wire.encode(large)
    let back = try Wire.decode([Double].self, from: bytes)
    XCTAssertEqual(back.count, large.count)
    XCTAssertLessThan(Date().timeIntervalSince(start), 2.0, "32 MB should be a couple of memcpys")
  }

  // MARK: Optionals

  func testOptionalLayoutAndRoundTrips() throws {
    XCTAssertEqual(try roundTrip(Int?.none), [0])
    XCTAssertEqual(try roundTrip(Int?.some(1)), [1] + le(1))
    XCTAssertEqual(try roundTrip(String?.some("")), [1, 0, 0, 0, 0])
    XCTAssertEqual(try roundTrip(Int??.none), [0])
    XCTAssertEqual(try roundTrip(Int??.some(.none)), [1, 0])
    XCTAssertEqual(try roundTrip(Int??.some(.some(3))), [1, 1] + le(3))
    _ = try roundTrip([Int?]([1, nil, 3]))
    _ = try roundTrip([Double]?.some([1, 2]))
    _ = try roundTrip(Point?.some(Point(x: 1, y: 2)))
    _ = try roundTrip([Point?]([nil, Point(x: 0, y: -1)]))
  }

  // MARK: Structs, enums, classes

  func testStructsWithOptionalFields() throws {
    _ = try roundTrip(sampleRecord(note: nil, weight: nil, nested: nil))
    _ = try roundTrip(sampleRecord(note: "set", weight: 0.5, nested: .some(nil)))
    _ = try roundTrip(sampleRecord(note: "", weight: -.infinity, nested: .some(7)))
    _ = try roundTrip([
      sampleRecord(note: nil, weight: 1, nested: nil), sampleRecord(note: "x", weight: nil, nested: 2),
    ])
  }

  func testStructLayout() throws {
    // UInt32 entry count, then key String + UInt64 length + value per entry.
    let bytes = try Wire.encode(Point(x: 1, y: 2))
    var expected = le(UInt32(2))
    expected += [1, 0, 0, 0, UInt8(ascii: "x")] + le(UInt64(8)) + le((1.0).bitPattern)
    expected += [1, 0, 0, 0, UInt8(ascii: "y")] + le(UInt64(8)) + le((2.0).bitPattern)
    XCTAssertEqual(bytes, expected)
  }

  func testKeysDecodeInAnyOrderAndAbsentOptionals() throws {
    struct Reordered: Codable, Equatable {
      var y: Double
      var extra: String?
      var x: Double
    }
    let fromPoint = try Wire.decode(Reordered.self, from: try Wire.encode(Point(x: 3, y: 4)))
    XCTAssertEqual(fromPoint, Reordered(y: 4, extra: nil, x: 3))
    assertWireError(
      .keyNotFound("x", offset: 0), try Wire.decode(Point.self, from: try Wire.encode(["y": 1.0])))
  }

  func testEnumsWithAssociatedValues() throws {
    for shape: WireShape in [
      .circle(radius: 2), .rect(Point(x: 0, y: 0), Point(x: 1, y: 1)),
      .polygon([Point(x: 1, y: 2)], closed: true), .polygon([], closed: false), .empty,
    ] {
      _ = try roundTrip(shape)
    }
    _ = try roundTrip([WireShape.empty, .circle(radius: -1)])
    _ = try roundTrip(Color.green)
    XCTAssertEqual(try Wire.encode(Color.red), [3, 0, 0, 0] + Array("red".utf8))
  }

  func testClassInheritanceUsesSuperEncoder() throws {
    let value: Base = Derived(a: 5, b: [1, 2])
    let bytes = try Wire.encode(value as! Derived)
    let back = try Wire.decode(Derived.self, from: bytes)
    XCTAssertEqual(back, value)
    _ = try roundTrip(Base(a: -9))
  }

  func testManualNestedContainersAndSuperEncoders() throws {
    let value = Manual(
      pairs: [("one", 1), ("two", 2)], matrix: [[1, 2], [], [65535]], inner: Point(x: 7, y: 8))
    _ = try roundTrip(value)
    _ = try roundTrip([value, Manual(pairs: [], matrix: [], inner: Point(x: 0, y: 0))])
  }

  func testInterleavedNestedWritesAreUnsupported() {
    XCTAssertThrowsError(try Wire.encode(Interleaved())) { error in
      guard case .unsupported(let message)? = (error as? WireError)?.root else {
        return XCTFail("expected unsupported, got \(error)")
      }
      XCTAssertTrue(message.contains("one pass"), message)
    }
    // The writer is left as it was.
    var writer = WireWriter()
    writer.write(UInt8(9))
    XCTAssertThrowsError(try writer.encode([Interleaved()]))
    XCTAssertEqual(writer.bytes, [9])
  }

  func testRecursiveTypesAndExplicitNils() throws {
    var list = List.end
    for i in 0..<300 { list = .node(i, list) }
    _ = try roundTrip(list)
    _ = try roundTrip(ExplicitNil(value: nil))
    _ = try roundTrip(ExplicitNil(value: 0))
    // encodeNil(forKey:) is an entry of length 0.
    XCTAssertEqual(
      try Wire.encode(ExplicitNil(value: nil)),
      le(UInt32(1)) + [5, 0, 0, 0] + Array("value".utf8) + le(UInt64(0)))
  }

  func testCorruptCountsAreRejectedBeforeAllocating() {
    // Unkeyed element count larger than the bytes left.
    assertWireError(
      .truncated(needed: 1 << 40, available: 0, offset: 8),
      try Wire.decode([String].self, from: le(UInt64(1 << 40))))
    // Keyed entry count larger than the bytes left could hold.
    assertWireError(
      .truncated(needed: 12 * 1000, available: 0, offset: 4),
      try Wire.decode(Point.self, from: le(UInt32(1000))))
    // Keyed entry value length past the end.
    assertWireError(
      .truncated(needed: 99, available: 0, offset: 17),
      try Wire.decode(Point.self, from: le(UInt32(1)) + [1, 0, 0, 0, UInt8(ascii: "x")] + le(UInt64(99))))
  }

  // MARK: Collections and Foundation types

  func testDictionariesAndSets() throws {
    _ = try roundTrip(["a": 1, "b": 2, "": 0, "ü": -1])
    _ = try roundTrip([String: [Double]]())
    _ = try roundTrip([1: "one", -5: "minus five", 1 << 40: "big"])
    let byteKeyed: [UInt8: Point] = [1: Point(x: 1, y: 1), 200: Point(x: 2, y: 3)]
    _ = try roundTrip(byteKeyed)
    _ = try roundTrip(["outer": ["inner": [1.5]]])
    _ = try roundTrip(Set([1, 5, 9, -3]))
    _ = try roundTrip(Set(["x", "y"]))
    let many = Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("k\($0)", $0) })
    _ = try roundTrip(many)
  }

  func testDateAndOtherFoundationValues() throws {
    _ = try roundTrip(Date(timeIntervalSinceReferenceDate: 123_456.789))
    _ = try roundTrip([Date(timeIntervalSince1970: 0)])
    _ = try roundTrip(UUID())
    _ = try roundTrip(Data([1, 2, 3, 0, 255]))
    _ = try roundTrip(URL(string: "https://example.com/a?b=c")!)
  }

  func testExistentialEncode() throws {
    let values: [any Encodable] = [1, "two", [3.0], Point(x: 4, y: 5)]
    XCTAssertEqual(try Wire.encode(any: values[0]), try Wire.encode(1))
    XCTAssertEqual(try Wire.decode(String.self, from: try Wire.encode(any: values[1])), "two")
    XCTAssertEqual(try Wire.decode([Double].self, from: try Wire.encode(any: values[2])), [3.0])
    XCTAssertEqual(try Wire.decode(Point.self, from: try Wire.encode(any: values[3])), Point(x: 4, y: 5))
  }

  // MARK: Writer / reader API

  func testWriterAndReaderPrimitives() throws {
    var w = WireWriter(reservingCapacity: 4)
    w.write(UInt16(0xBEEF))
    w.write(-1.5)
    w.write(Float(0.25))
    w.write(true)
    w.write("wire")
    w.writeBlob([9, 8, 7])
    [UInt8](repeating: 1, count: 3).withUnsafeBytes { w.writeBlob($0) }
    [UInt8](arrayLiteral: 4, 5).withUnsafeBytes { w.writeRaw($0) }
    try w.encode([Point(x: 1, y: 2)])
    try w.encode(Int?.some(3))
    XCTAssertEqual(Array(w.bytes.prefix(2)), [0xEF, 0xBE])

    var r = WireReader(w.bytes)
    XCTAssertEqual(r.offset, 0)
    XCTAssertEqual(r.remaining, w.bytes.count)
    XCTAssertEqual(try r.read(UInt16.self), 0xBEEF)
    XCTAssertEqual(try r.readDouble(), -1.5)
    XCTAssertEqual(try r.readFloat(), 0.25)
    XCTAssertEqual(try r.readBool(), true)
    XCTAssertEqual(try r.readString(), "wire")
    XCTAssertEqual(try r.readBlob(), [9, 8, 7])
    XCTAssertEqual(try r.readBlob(), [1, 1, 1])
    let sum = try r.withRaw(count: 2) { raw in raw.reduce(0) { $0 + Int($1) } }
    XCTAssertEqual(sum, 9)
    XCTAssertEqual(try r.decode([Point].self), [Point(x: 1, y: 2)])
    XCTAssertEqual(try r.decode(Int?.self), 3)
    XCTAssertTrue(r.isAtEnd)
    XCTAssertEqual(r.remaining, 0)
    assertWireError(.truncated(needed: 1, available: 0, offset: w.bytes.count), try r.readRaw(count: 1))
    assertWireError(
      .truncated(needed: 4, available: 0, offset: w.bytes.count), try r.withRaw(count: 4) { _ in 0 })
  }

  func testTypeNames() {
    XCTAssertEqual(Wire.typeName(Int.self), "Int")
    XCTAssertEqual(Wire.typeName([Double].self), "Array<Double>")
    XCTAssertEqual(Wire.typeName(String?.self), "Optional<String>")
  }

  // MARK: ScalarKind

  func testScalarKindHelpers() throws {
    func check<T: WireScalar & Equatable>(_ value: T) throws {
      let kind = T.scalarKind
      XCTAssertEqual(ScalarKind.of(T.self), kind)
      XCTAssertEqual(ScalarKind.ofArray([T].self), kind)
      XCTAssertEqual(kind.stride, MemoryLayout<T>.stride)
      XCTAssertEqual(kind.typeName, Wire.typeName(T.self))
      XCTAssertEqual(kind.arrayTypeName, Wire.typeName([T].self))
      XCTAssertEqual(ScalarKind(rawValue: kind.rawValue), kind)

      let source = [value, value, value]
      let made = source.withUnsafeBytes { raw in
        kind.makeArray(count: 3) { dest in
          XCTAssertEqual(dest.count, 3 * kind.stride)
          dest.copyMemory(from: raw)
        }
      }
      XCTAssertEqual(made as? [T], source)
      let scalar = withUnsafeBytes(of: value) { kind.makeScalar(from: $0) }
      XCTAssertEqual(scalar as? T, value)
      // The boxed array encodes like the typed one.
      XCTAssertEqual(try Wire.encode(any: made), try Wire.encode(source))
    }
    try check(Int(-5))
    try check(Int8(-5))
    try check(Int16(300))
    try check(Int32(-70_000))
    try check(Int64.min)
    try check(UInt(5))
    try check(UInt8(255))
    try check(UInt16(65_000))
    try check(UInt32.max)
    try check(UInt64.max)
    try check(Float(1.5))
    try check(Double(-2.25))
    XCTAssertEqual(ScalarKind.allCases.count, 12)
    XCTAssertNil(ScalarKind.of(String.self))
    XCTAssertNil(ScalarKind.of([Double].self))
    XCTAssertNil(ScalarKind.ofArray(Double.self))
    XCTAssertNil(ScalarKind.ofArray([[Double]].self))
    XCTAssertNil(ScalarKind.ofArray([Bool].self))
    let empty = ScalarKind.double.makeArray(count: 0) { XCTAssertEqual($0.count, 0) }
    XCTAssertEqual(empty as? [Double], [])
    struct Boom: Error {}
    XCTAssertThrowsError(try ScalarKind.int.makeArray(count: 4) { _ in throw Boom() })
  }
}
