import Foundation
import XCTest

@testable import MPIParallel

// MARK: - Fixtures

private struct Point: Codable, Equatable {
  var x: Double
  var y: Double
}

private struct Record: Codable, Equatable {
  var id: Int
  var name: String
  var note: String?
  var weight: Double?
  var tags: [String]
  var samples: [Double]
  var grid: [[Int32]]
  var origin: Point
  var path: [Point]
  var flag: Bool
  var nested: Int??
}

private enum Shape: Codable, Equatable {
  case circle(radius: Double)
  case rect(Point, Point)
  case polygon([Point], closed: Bool)
  case empty
}

private enum Color: String, Codable, Equatable { case red, green }

private class Base: Codable, Equatable {
  var a: Int
  init(a: Int) { self.a = a }
  static func == (l: Base, r: Base) -> Bool { type(of: l) == type(of: r) && l.isEqual(r) }
  func isEqual(_ other: Base) -> Bool { a == other.a }
}

private final class Derived: Base {
  var b: [Double]
  init(a: Int, b: [Double]) {
    self.b = b
    super.init(a: a)
  }
  enum CodingKeys: String, CodingKey { case b }
  required init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    b = try c.decode([Double].self, forKey: .b)
    try super.init(from: c.superDecoder())
  }
  override func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(b, forKey: .b)
    try super.encode(to: c.superEncoder())
  }
  override func isEqual(_ other: Base) -> Bool {
    guard let o = other as? Derived else { return false }
    return a == o.a && b == o.b
  }
}

/// Uses nested containers of every kind and a super encoder in an unkeyed container.
private struct Manual: Codable, Equatable {
  var pairs: [(String, Int)]
  var matrix: [[UInt16]]
  var inner: Point

  static func == (l: Manual, r: Manual) -> Bool {
    l.pairs.map { $0.0 } == r.pairs.map { $0.0 } && l.pairs.map { $0.1 } == r.pairs.map { $0.1 }
      && l.matrix == r.matrix && l.inner == r.inner
  }

  enum Keys: String, CodingKey { case pairs, matrix, inner, count }
  enum PairKeys: String, CodingKey { case k, v }

  init(pairs: [(String, Int)], matrix: [[UInt16]], inner: Point) {
    self.pairs = pairs
    self.matrix = matrix
    self.inner = inner
  }

  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    var p = c.nestedUnkeyedContainer(forKey: .pairs)
    for (k, v) in pairs {
      var pc = p.nestedContainer(keyedBy: PairKeys.self)
      try pc.encode(k, forKey: .k)
      try pc.encode(v, forKey: .v)
    }
    var m = c.nestedUnkeyedContainer(forKey: .matrix)
    for row in matrix {
      var r = m.nestedUnkeyedContainer()
      for x in row { try r.encode(x) }
    }
    try m.encodeNil()
    try inner.encode(to: m.superEncoder())
    var i = c.nestedContainer(keyedBy: Keys.self, forKey: .inner)
    try i.encode(inner.x, forKey: .pairs)
    try i.encode(inner.y, forKey: .matrix)
    try c.encode(pairs.count, forKey: .count)
  }

  init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    guard try c.decode(Int.self, forKey: .count) == (try c.nestedUnkeyedContainer(forKey: .pairs).count)
    else {
      throw DecodingError.dataCorruptedError(forKey: .count, in: c, debugDescription: "count mismatch")
    }
    let i = try c.nestedContainer(keyedBy: Keys.self, forKey: .inner)
    inner = Point(x: try i.decode(Double.self, forKey: .pairs), y: try i.decode(Double.self, forKey: .matrix))
    var p = try c.nestedUnkeyedContainer(forKey: .pairs)
    pairs = []
    while !p.isAtEnd {
      let pc = try p.nestedContainer(keyedBy: PairKeys.self)
      pairs.append((try pc.decode(String.self, forKey: .k), try pc.decode(Int.self, forKey: .v)))
    }
    var m = try c.nestedUnkeyedContainer(forKey: .matrix)
    matrix = []
    // Rows, then a nil, then the super-encoded point. (A nil is one 0 byte and the format carries no
    // tags, so decodeNil() can only be used where a nil is expected: an empty row also starts with 0.)
    for _ in 0..<max(0, (m.count ?? 0) - 2) {
      var r = try m.nestedUnkeyedContainer()
      var row: [UInt16] = []
      while !r.isAtEnd { row.append(try r.decode(UInt16.self)) }
      matrix.append(row)
    }
    guard try m.decodeNil() else {
      throw DecodingError.dataCorruptedError(in: m, debugDescription: "expected nil")
    }
    guard try Point(from: m.superDecoder()) == inner, m.isAtEnd else {
      throw DecodingError.dataCorruptedError(in: m, debugDescription: "super value mismatch")
    }
  }
}

/// Writes to a nested container after the parent moved on (not supported).
private struct Interleaved: Encodable {
  enum Keys: String, CodingKey { case a, b }
  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    var n = c.nestedUnkeyedContainer(forKey: .a)
    try c.encode(1, forKey: .b)
    try n.encode(2)
  }
}

private indirect enum List: Codable, Equatable {
  case end
  case node(Int, List)
}

/// Writes explicit nils through encodeNil(forKey:).
private struct ExplicitNil: Codable, Equatable {
  var value: Int?
  enum Keys: String, CodingKey { case value, other }
  init(value: Int?) { self.value = value }
  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    if let value { try c.encode(value, forKey: .value) } else { try c.encodeNil(forKey: .value) }
  }
  init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    XCTAssertTrue(c.contains(.value))
    XCTAssertFalse(c.contains(.other))
    XCTAssertNil(try c.decodeIfPresent(Int.self, forKey: .other))
    XCTAssertEqual(c.allKeys.map(\.stringValue), ["value"])
    value = try c.decodeNil(forKey: .value) ? nil : try c.decode(Int.self, forKey: .value)
  }
}

/// Small deterministic generator (SplitMix64) for the fuzz tests.
private struct SeededRandom: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

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

  private func assertWireError<T>(
    _ expected: WireError, _ body: @autoclosure () throws -> T, file: StaticString = #filePath,
    line: UInt = #line
  ) {
    do {
      _ = try body()
      XCTFail("expected \(expected), got a value", file: file, line: line)
    } catch let error as WireError {
      XCTAssertEqual(error.root, expected, "\(error)", file: file, line: line)
    } catch {
      XCTFail("expected WireError \(expected), got \(error)", file: file, line: line)
    }
  }

  private func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
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

  private func sampleRecord(note: String?, weight: Double?, nested: Int??) -> Record {
    Record(
      id: 42, name: "rank 3", note: note, weight: weight, tags: ["a", "β"], samples: [1, 2, 3.5],
      grid: [[1, 2], [], [3]], origin: Point(x: -1, y: 1),
      path: [Point(x: 0, y: 0), Point(x: 1, y: 1)], flag: true, nested: nested)
  }

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
    for shape: Shape in [
      .circle(radius: 2), .rect(Point(x: 0, y: 0), Point(x: 1, y: 1)),
      .polygon([Point(x: 1, y: 2)], closed: true), .polygon([], closed: false), .empty,
    ] {
      _ = try roundTrip(shape)
    }
    _ = try roundTrip([Shape.empty, .circle(radius: -1)])
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

  // MARK: Errors

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
    var rng = SeededRandom(state: 0x5EED)
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
        { _ = try Wire.decode(Record.self, from: bytes) }, { _ = try Wire.decode(Shape.self, from: bytes) },
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
    var rng = SeededRandom(state: 42)
    let valid = try Wire.encode(sampleRecord(note: "note", weight: 1, nested: 3))
    let shapes = try Wire.encode([Shape.polygon([Point(x: 1, y: 2)], closed: true), .circle(radius: 1)])
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
          _ = try Wire.decode([Shape].self, from: bytes)
        }
      } catch is WireError {} catch is DecodingError {} catch { XCTFail("unexpected error type \(error)") }
    }
  }
}
