import Foundation
import XCTest

@testable import MPIParallel

// MARK: - Fixtures shared by the wire tests

struct Point: Codable, Equatable {
  var x: Double
  var y: Double
}

struct Record: Codable, Equatable {
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

enum WireShape: Codable, Equatable {
  case circle(radius: Double)
  case rect(Point, Point)
  case polygon([Point], closed: Bool)
  case empty
}

enum Color: String, Codable, Equatable { case red, green }

class Base: Codable, Equatable {
  var a: Int
  init(a: Int) { self.a = a }
  static func == (l: Base, r: Base) -> Bool { type(of: l) == type(of: r) && l.isEqual(r) }
  func isEqual(_ other: Base) -> Bool { a == other.a }
}

final class Derived: Base {
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
struct Manual: Codable, Equatable {
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
struct Interleaved: Encodable {
  enum Keys: String, CodingKey { case a, b }
  func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: Keys.self)
    var n = c.nestedUnkeyedContainer(forKey: .a)
    try c.encode(1, forKey: .b)
    try n.encode(2)
  }
}

indirect enum List: Codable, Equatable {
  case end
  case node(Int, List)
}

/// Writes explicit nils through encodeNil(forKey:).
struct ExplicitNil: Codable, Equatable {
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

/// Asserts that `body` throws a `WireError` whose root cause is `expected`.
func assertWireError<T>(
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

/// The little-endian bytes of an integer.
func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// A record with every kind of field, optionals set as given.
func sampleRecord(note: String?, weight: Double?, nested: Int??) -> Record {
  Record(
    id: 42, name: "rank 3", note: note, weight: weight, tags: ["a", "β"], samples: [1, 2, 3.5],
    grid: [[1, 2], [], [3]], origin: Point(x: -1, y: 1),
    path: [Point(x: 0, y: 0), Point(x: 1, y: 1)], flag: true, nested: nested)
}
