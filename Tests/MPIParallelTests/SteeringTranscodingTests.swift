import MPIParallelSteering
import XCTest

@testable import MPIParallel

/// How the hub turns a steering client's JSON into calls and replies into
/// JSON, and what engines do with JSON values: without MPI.
final class SteeringTranscodingTests: XCTestCase {
  struct Point: Codable, Sendable, Equatable {
    var x: Double
    var y: Double
  }

  let area = RemoteFunction("area") { (w: Int, h: Int) in w * h }
  let move = RemoteFunction("move") { (p: Point, dx: Double) in Point(x: p.x + dx, y: p.y) }
  let halo = RemoteFunction("halo", collective: true) { () -> Int in 0 }

  /// Encodes JSON arguments as the hub does, runs the call as an engine does, returns the JSON result.
  func call(_ registration: FunctionRegistration, _ json: [JSONValue], namespace: Namespace = Namespace())
    throws
    -> JSONValue
  {
    var writer = WireWriter()
    try registration.encodeJSON(json, &writer)
    let source = ArgumentSource(WireReader(writer.bytes), namespace: namespace)
    var result = WireWriter()
    try registration.invoke(source, &result)
    var reader = WireReader(result.bytes)
    return try registration.jsonResult(&reader)
  }

  func testJSONArgumentsAreCheckedAndEncodedWithTheFunctionsTypes() throws {
    XCTAssertEqual(try call(area.registration, [.int(3), .int(7)]), .int(21))
    XCTAssertEqual(
      try call(move.registration, [try JSONValue(parsing: #"{"x":1,"y":2}"#), .double(0.5)]),
      try JSONValue(parsing: #"{"x":1.5,"y":2}"#))
    let namespace = Namespace()
    namespace.set("w", 6)
    XCTAssertEqual(
      try call(area.registration, [.object(["$ref": .string("w")]), .int(2)], namespace: namespace), .int(12))

    XCTAssertThrowsError(try call(area.registration, [.string("three"), .int(7)])) { error in
      let failure = error as? SteeringFailure
      XCTAssertEqual(failure?.kind, "badArguments")
      XCTAssertEqual(
        failure?.message, #"argument 1 of area must be Int (area takes (Int, Int)), not "three""#)
    }
    XCTAssertThrowsError(try call(area.registration, [.int(1)])) { error in
      XCTAssertEqual((error as? SteeringFailure)?.message, "area takes 2 arguments (Int, Int), not 1")
    }
    XCTAssertThrowsError(try call(move.registration, [.object(["x": .int(1)]), .int(1)])) { error in
      XCTAssertTrue("\(error)".contains("must be Point"), "\(error)")
    }
  }

  func testCollectiveFunctionsRunOnlyOnEveryEngineAtOnce() {
    XCTAssertNil(halo.registration.collectiveRefusal(targets: [0, 1, 2], engineCount: 3, how: "x"))
    XCTAssertNil(area.registration.collectiveRefusal(targets: [1], engineCount: 3, how: "x"))
    let partial = halo.registration.collectiveRefusal(targets: [0], engineCount: 3, how: "on engines [0]")
    XCTAssertTrue(
      "\(partial.map { "\($0)" } ?? "")".contains("halo is collective"), "\(String(describing: partial))")
    XCTAssertNotNil(halo.registration.collectiveRefusal(targets: nil, engineCount: 3, how: "in a map"))
  }

  func testTheRuntimesOwnFunctionsAreRegisteredButHiddenAndTheirNamesReserved() throws {
    let registry = try FunctionRegistry([area])
    XCTAssertEqual(registry.names, ["area"])
    XCTAssertNotNil(registry.functions["_mpp.setJSON"])
    XCTAssertNotNil(registry.functions["_mpp.getJSON"])
    let impostor = RemoteFunction("_mpp.mine") { () -> Int in 1 }
    XCTAssertThrowsError(try FunctionRegistry([impostor])) {
      XCTAssertTrue("\($0)".contains("the runtime's own"), "\($0)")
    }
  }

  func testJSONValuesInTheNamespaceDecodeAsTheTypeAskedForAndPullAsJSON() throws {
    let namespace = Namespace()
    namespace.setJSON("v", try JSONValue(parsing: "[1, 2.5]"))
    XCTAssertEqual(try namespace.value("v", as: [Double].self), [1, 2.5])
    // Now kept decoded as [Double].
    XCTAssertThrowsError(try namespace.value("v", as: [Int].self))
    XCTAssertEqual(try namespace.json("v"), try JSONValue(parsing: "[1, 2.5]"))
    namespace.setJSON("s", .string("x"))
    XCTAssertThrowsError(try namespace.value("s", as: Int.self)) { error in
      guard case .typeMismatch(let name, let stored, let requested) = error as? EngineError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual([name, requested], ["s", "Int"])
      XCTAssertTrue(stored.hasPrefix("JSON"), stored)
    }
    namespace.set("p", Point(x: 1, y: 2))
    XCTAssertEqual(try namespace.json("p"), try JSONValue(parsing: #"{"x":1,"y":2}"#))
    namespace.setEncoded("e", bytes: try Wire.encode([3, 4]), typeName: Wire.typeName([Int].self))
    XCTAssertEqual(try namespace.json("e"), .array([.int(3), .int(4)]))
    namespace.setEncoded("q", bytes: try Wire.encode(Point(x: 0, y: 0)), typeName: "Point")
    XCTAssertThrowsError(try namespace.json("q")) {
      XCTAssertTrue("\($0)".contains("its JSON form is unknown here"), "\($0)")
    }
    XCTAssertThrowsError(try namespace.json("missing")) {
      XCTAssertEqual($0 as? EngineError, .nameNotDefined("missing"))
    }
  }
}
