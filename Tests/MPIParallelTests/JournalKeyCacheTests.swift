import XCTest

@testable import MPIParallel

/// `JournalKeyCache`: the hub's keys of call requests, going on from the hash
/// of the last signature, are the function's name and the hash of every byte
/// after the task id, whatever came before.
final class JournalKeyCacheTests: XCTestCase {
  private func request(_ function: String, arguments: [Int], taskID: Int = 7, batch: Bool = false) throws
    -> [UInt8]
  {
    let signature = HubRequest.callSignature(function: function, argumentTypes: "Int", resultType: "Int")
    var writer = HubRequest.callHeader(
      taskID: taskID, callSignature: signature, count: batch ? arguments.count : nil)
    for argument in arguments { try writer.encode(argument) }
    return writer.bytes
  }

  /// The key computed from scratch: the name, and FNV over all after the task id.
  private func expected(_ function: String, _ bytes: [UInt8]) -> JournalKey {
    JournalKey(
      function: function,
      key: bytes.withUnsafeBytes { TaskKey.of(UnsafeRawBufferPointer(rebasing: $0[9...])) })
  }

  func testEachKeyIsTheNameAndTheHashOfAllAfterTheTaskID() throws {
    var keys = JournalKeyCache()
    // Same signature in a row, a new one, one of the same length with other
    // bytes ("squarf"), back to the first, chunks, and an empty name.
    let requests: [(String, [UInt8])] = [
      ("square", try request("square", arguments: [3])),
      ("square", try request("square", arguments: [4], taskID: 8)),
      ("cube", try request("cube", arguments: [3])),
      ("squarf", try request("squarf", arguments: [3])),
      ("square", try request("square", arguments: [3], taskID: 99)),
      ("square", try request("square", arguments: [1, 2, 3], batch: true)),
      ("square", try request("square", arguments: [1, 2], batch: true)),
      ("", try request("", arguments: [5])),
    ]
    for (function, bytes) in requests {
      XCTAssertEqual(keys.key(ofRequest: bytes), expected(function, bytes), "\(function) \(bytes)")
    }
    XCTAssertEqual(keys.key(ofRequest: requests[0].1), keys.key(ofRequest: requests[4].1))
    XCTAssertNotEqual(keys.key(ofRequest: requests[0].1), keys.key(ofRequest: requests[1].1))
    XCTAssertNotEqual(keys.key(ofRequest: requests[0].1)?.key, keys.key(ofRequest: requests[3].1)?.key)
    var fresh = JournalKeyCache()
    XCTAssertEqual(fresh.key(ofRequest: requests[2].1), expected("cube", requests[2].1))
  }

  /// The hub takes the key of a request it has just written after others
  /// into its send buffer: the same key as of the request alone.
  func testTheKeyOfARequestInsideALargerBufferIsItsOwn() throws {
    let bytes = try request("square", arguments: [3])
    let buffer = try request("cube", arguments: [9]) + bytes + [1, 2, 3]
    let start = buffer.count - 3 - bytes.count
    var keys = JournalKeyCache()
    _ = keys.key(ofRequest: try request("square", arguments: [8]))
    let inside = buffer.withUnsafeBytes {
      keys.key(ofRequest: UnsafeRawBufferPointer(rebasing: $0[start..<(buffer.count - 3)]))
    }
    XCTAssertEqual(inside, expected("square", bytes))
  }

  func testARequestThatIsNotACallOrIsCutShortHasNoKey() throws {
    var keys = JournalKeyCache()
    let whole = try request("square", arguments: [3])
    XCTAssertNil(keys.key(ofRequest: []))
    XCTAssertNil(keys.key(ofRequest: [HubRequest.Kind.call.rawValue, 1, 2]))
    // Cut inside the result type's name: the signature does not fit.
    XCTAssertNil(keys.key(ofRequest: Array(whole.prefix(whole.count - 10))))
    var notACall = whole
    notACall[0] = HubRequest.Kind.bundle.rawValue
    XCTAssertNil(keys.key(ofRequest: notACall))
    XCTAssertEqual(keys.key(ofRequest: whole), expected("square", whole))
  }
}
