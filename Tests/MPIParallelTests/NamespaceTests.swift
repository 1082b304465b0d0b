import XCTest

@testable import MPIParallel

final class NamespaceTests: XCTestCase {
  func testEncodedValuesDecodeOnFirstUseWithTheirType() throws {
    let namespace = Namespace()
    namespace.setEncoded("a", bytes: try Wire.encode([1.5, 2.5]), typeName: Wire.typeName([Double].self))
    XCTAssertEqual(try namespace.value("a", as: [Double].self), [1.5, 2.5])
    XCTAssertEqual(try namespace.value("a", as: [Double].self), [1.5, 2.5])
    XCTAssertThrowsError(try namespace.value("a", as: [Int].self)) { error in
      XCTAssertEqual(
        error as? EngineError, .typeMismatch(name: "a", stored: "Array<Double>", requested: "Array<Int>"))
    }
  }

  func testSetRemoveAndEncode() throws {
    let namespace = Namespace()
    namespace.set("n", 3)
    namespace.set("s", boxed: "text" as any Codable & Sendable)
    XCTAssertEqual(namespace.names, ["n", "s"])
    XCTAssertEqual(try namespace.value("s", as: String.self), "text")
    let (typeName, bytes) = try namespace.encoded("n")
    XCTAssertEqual(typeName, "Int")
    XCTAssertEqual(try Wire.decode(Int.self, from: bytes), 3)
    XCTAssertTrue(namespace.remove("n"))
    XCTAssertFalse(namespace.remove("n"))
    XCTAssertThrowsError(try namespace.encoded("n")) {
      XCTAssertEqual($0 as? EngineError, .nameNotDefined("n"))
    }
  }
}
