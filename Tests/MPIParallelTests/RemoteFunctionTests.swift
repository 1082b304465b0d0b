import XCTest

@testable import MPIParallel

/// The function layer without MPI: arguments encoded as the driver does,
/// invoked as an engine does.
final class RemoteFunctionTests: XCTestCase {
  struct Shape: Codable, Sendable, Equatable {
    var sides: Int
    var name: String?
  }

  let area = RemoteFunction("area") { (w: Int, h: Int) in w * h }
  let describe = RemoteFunction("describe") { (s: Shape) in "\(s.sides) \(s.name ?? "?")" }
  let constant = RemoteFunction("constant") { () -> [Double] in [1, 2] }

  func invoke<each A: Codable & Sendable, R: Codable & Sendable>(
    _ function: RemoteFunction<repeat each A, R>, namespace: Namespace = Namespace(),
    _ arguments: repeat Argument<each A>
  ) throws -> R {
    var writer = WireWriter()
    try function.encodeArguments(repeat each arguments, into: &writer)
    let source = ArgumentSource(WireReader(writer.bytes), namespace: namespace)
    var result = WireWriter()
    try function.registration.invoke(source, &result)
    XCTAssertTrue(source.reader.isAtEnd)
    return try Wire.decode(R.self, from: result.bytes)
  }

  func testNumbersTakeAFastPathToTheSameBytes() throws {
    for value in [0, 1, -1, Int.max, Int.min, 123_456_789] {
      var fast = WireWriter()
      try fast.writeArgument(value)
      var generic = WireWriter()
      try generic.writeEncodedArgument(value)
      XCTAssertEqual(fast.bytes, generic.bytes, "Int \(value)")
      XCTAssertEqual(fast.count, 9)
    }
    for value in [0.0, -2.5, .pi, .infinity, -.greatestFiniteMagnitude] {
      var fast = WireWriter()
      try fast.writeArgument(value)
      var generic = WireWriter()
      try generic.writeEncodedArgument(value)
      XCTAssertEqual(fast.bytes, generic.bytes, "Double \(value)")
    }
    // After other bytes too (the fast path appends; it does not overwrite).
    var writer = WireWriter()
    writer.write(UInt8(7))
    try writer.writeArgument(-3)
    var reader = WireReader(writer.bytes)
    XCTAssertEqual(try reader.read(UInt8.self), 7)
    XCTAssertEqual(try reader.read(UInt8.self), ArgumentTag.value)
    XCTAssertEqual(try reader.decode(Int.self), -3)
    XCTAssertTrue(reader.isAtEnd)
  }

  func testSignatures() {
    XCTAssertEqual(area.registration.signature.description, "(Int, Int) -> Int")
    XCTAssertEqual(describe.registration.signature.argumentTypes, "(Shape)")
    XCTAssertEqual(constant.registration.signature.description, "() -> Array<Double>")
  }

  func testValuesAndReferences() throws {
    XCTAssertEqual(try invoke(area, .value(3), .value(7)), 21)
    let namespace = Namespace()
    namespace.set("w", 6)
    XCTAssertEqual(try invoke(area, namespace: namespace, .reference("w"), .value(2)), 12)
    XCTAssertEqual(try invoke(describe, .value(Shape(sides: 3, name: nil))), "3 ?")
    XCTAssertEqual(try invoke(constant), [1, 2])
  }

  func testReferenceErrorsNameTheValue() {
    let namespace = Namespace()
    namespace.set("w", "text")
    XCTAssertThrowsError(try invoke(area, namespace: namespace, .reference("w"), .value(2))) { error in
      XCTAssertEqual(error as? EngineError, .typeMismatch(name: "w", stored: "String", requested: "Int"))
    }
    XCTAssertThrowsError(try invoke(area, .reference("nothing"), .value(2))) { error in
      XCTAssertEqual(error as? EngineError, .nameNotDefined("nothing"))
    }
  }

  func testRegistryChecksNamesAndSignatures() throws {
    let registry = try FunctionRegistry([area, describe])
    XCTAssertNoThrow(try registry.lookup("area", argumentTypes: "(Int, Int)", resultType: "Int"))
    XCTAssertNoThrow(try registry.lookup("area", argumentTypes: "(Int, Int)", resultType: ""))
    XCTAssertThrowsError(try registry.lookup("nope", argumentTypes: "()", resultType: "")) { error in
      XCTAssertEqual(error as? EngineError, .unknownFunction(name: "nope", registered: ["area", "describe"]))
      XCTAssertEqual("\(error)", "unknown function 'nope'; registered: area, describe")
    }
    XCTAssertThrowsError(try registry.lookup("area", argumentTypes: "(String)", resultType: "Int")) { error in
      XCTAssertEqual("\(error)", "function 'area' expects (Int, Int) -> Int, received (String) -> Int")
    }
    let twin = RemoteFunction("area") { (x: Double) in x }
    XCTAssertThrowsError(try FunctionRegistry([area, twin])) { error in
      XCTAssertTrue("\(error)".contains("two remote functions are named 'area'"))
    }
  }
}
