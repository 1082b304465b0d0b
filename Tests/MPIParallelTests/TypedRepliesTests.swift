import XCTest

@testable import MPIParallel

final class TypedRepliesTests: XCTestCase {
  /// A successful reply of a chunk: its count, then its values.
  private func chunkReply<T: Encodable>(_ values: [T], count: Int? = nil) throws -> [UInt8] {
    var writer = EngineReply.success(taskID: 7, started: 1, completed: 2)
    writer.write(UInt32(count ?? values.count))
    for value in values { try writer.encode(value) }
    return writer.bytes
  }

  private func store<T>(_ replies: TypedReplies<T>, _ reply: [UInt8], items: Range<Int>) -> Bool {
    replies.store(reply: reply, items: items)
  }

  private struct Point: Codable, Equatable {
    var x: Double
    var y: Double
  }

  func testAChunkIsDecodedIntoItsItems() throws {
    let replies = try XCTUnwrap(TypedReplies<Int>(count: 6, batch: true))
    XCTAssertTrue(store(replies, try chunkReply([30, 40]), items: 3..<5))
    XCTAssertTrue(store(replies, try chunkReply([10, 20, 25]), items: 0..<3))
    XCTAssertEqual(Array(replies.values(0..<5)), [10, 20, 25, 30, 40])
    XCTAssertEqual(Array(replies.values(3..<5)), [30, 40])
  }

  func testASingleValueReplyIsStoredWithoutACount() throws {
    let replies = try XCTUnwrap(TypedReplies<Double>(count: 3, batch: false))
    var writer = EngineReply.success(taskID: 7, started: 1, completed: 2)
    try writer.encode(2.5)
    XCTAssertTrue(store(replies, writer.bytes, items: 1..<2))
    XCTAssertEqual(replies.values(1..<2).first, 2.5)
    XCTAssertFalse(store(replies, writer.bytes, items: 0..<2), "one value cannot fill two items")
    XCTAssertFalse(store(replies, Array(writer.bytes.dropLast()), items: 2..<3), "a value cut short")
  }

  func testNarrowNumbersAreCopiedAtTheirWidth() throws {
    let replies = try XCTUnwrap(TypedReplies<Int32>(count: 4, batch: true))
    XCTAssertTrue(store(replies, try chunkReply([Int32(-1), 7, Int32.max]), items: 1..<4))
    XCTAssertEqual(Array(replies.values(1..<4)), [-1, 7, Int32.max])
  }

  func testStructsOfNumbersAreDecodedToo() throws {
    let replies = try XCTUnwrap(TypedReplies<Point>(count: 2, batch: true))
    XCTAssertTrue(store(replies, try chunkReply([Point(x: 1, y: 2)]), items: 1..<2))
    XCTAssertEqual(replies.values(1..<2).first, Point(x: 1, y: 2))
  }

  func testTypesThatAreNotTriviallyCopyableKeepTheirReplies() {
    XCTAssertNil(TypedReplies<String>(count: 3, batch: true))
    XCTAssertNil(TypedReplies<[Double]>(count: 3, batch: true))
    XCTAssertNil(TypedReplies<Int>(count: 0, batch: true))
  }

  func testAReplyThatDoesNotFitIsRefused() throws {
    let replies = try XCTUnwrap(TypedReplies<Int>(count: 4, batch: true))
    // Fewer values than the chunk's items.
    XCTAssertFalse(store(replies, try chunkReply([1]), items: 0..<2))
    // A count that promises more values than the reply holds.
    XCTAssertFalse(store(replies, try chunkReply([1], count: 2), items: 0..<2))
    // Values of another type (a Double is 8 bytes too, but a Bool is one).
    XCTAssertFalse(store(replies, try chunkReply([true, false]), items: 2..<4))
    // A header cut short.
    XCTAssertFalse(store(replies, [1, 2, 3], items: 0..<1))
  }

  func testAStateCountsItsDecodedSlots() throws {
    let replies = try XCTUnwrap(TypedReplies<Int>(count: 3, batch: true))
    let state = ResultState(label: "map", taskIDs: 1..<4, replies: replies)
    XCTAssertTrue(state.replies === replies)
    state.complete(slot: 0, engineID: 2, outcome: .decoded)
    state.complete(slot: 2, engineID: 1, outcome: .decoded)
    XCTAssertFalse(state.isAllDecoded)
    guard case .decoded? = state.slot(0).outcome else { return XCTFail("slot 0 was decoded") }
    XCTAssertEqual(state.slot(0).engineID, 2)
    state.complete(slot: 1, engineID: 1, outcome: .reply([1]))
    XCTAssertTrue(state.isReady)
    XCTAssertFalse(state.isAllDecoded, "slot 1 kept its reply")
    let decoded = ResultState(label: "map", taskIDs: 1..<2, replies: replies)
    decoded.complete(slot: 0, engineID: 0, outcome: .decoded)
    XCTAssertTrue(decoded.isAllDecoded)
  }
}
