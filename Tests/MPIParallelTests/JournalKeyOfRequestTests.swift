import XCTest

@testable import MPIParallel

/// `JournalKey.of(request:known:)`: a known name is reused only when it is
/// the request's, and the key is the same either way.
final class JournalKeyOfRequestTests: XCTestCase {
  private func request(_ function: String, argument: Int, taskID: Int = 7) throws -> [UInt8] {
    let signature = HubRequest.callSignature(function: function, argumentTypes: "Int", resultType: "Int")
    var writer = HubRequest.callHeader(taskID: taskID, callSignature: signature, count: nil)
    try writer.encode(argument)
    return writer.bytes
  }

  func testAKnownNameGivesTheSameKey() throws {
    let bytes = try request("square", argument: 3)
    let fresh = try XCTUnwrap(JournalKey.of(request: bytes))
    XCTAssertEqual(fresh.function, "square")
    XCTAssertEqual(JournalKey.of(request: bytes, known: "square"), fresh)
  }

  func testAnotherKnownNameIsNotTaken() throws {
    let bytes = try request("square", argument: 3)
    for other in ["squar", "squares", "cube", ""] {
      let key = try XCTUnwrap(JournalKey.of(request: bytes, known: other))
      XCTAssertEqual(key.function, "square", "known \(other)")
      XCTAssertEqual(key, JournalKey.of(request: bytes))
    }
  }

  func testTheTaskIDIsNotPartOfTheKey() throws {
    XCTAssertEqual(
      JournalKey.of(request: try request("square", argument: 3, taskID: 1)),
      JournalKey.of(request: try request("square", argument: 3, taskID: 99)))
    XCTAssertNotEqual(
      JournalKey.of(request: try request("square", argument: 3)),
      JournalKey.of(request: try request("square", argument: 4)))
  }

  func testARequestThatIsNotACallHasNoKey() {
    XCTAssertNil(JournalKey.of(request: [], known: "square"))
    XCTAssertNil(JournalKey.of(request: [HubRequest.Kind.call.rawValue, 1, 2], known: "square"))
  }
}
