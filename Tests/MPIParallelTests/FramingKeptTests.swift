import XCTest

@testable import MPIParallel

/// `Framing.kept`: a reply kept after its buffer is reused holds no more
/// than its bytes.
final class FramingKeptTests: XCTestCase {
  func testABufferSizedForALongerMessageIsCopiedExactly() {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(16 << 10)
    buffer.append(contentsOf: [1, 2, 3, 4, 5])
    let kept = Framing.kept(buffer)
    XCTAssertEqual(kept, [1, 2, 3, 4, 5])
    XCTAssertLessThan(kept.capacity, 100)
    let shared =
      kept.withUnsafeBufferPointer { $0.baseAddress } == buffer.withUnsafeBufferPointer { $0.baseAddress }
    XCTAssertFalse(shared)
  }

  func testAReplyThatFitsItsStorageIsKeptAsItIs() {
    let reply = [UInt8](repeating: 7, count: 300)
    let kept = Framing.kept(reply)
    XCTAssertEqual(kept, reply)
    let shared =
      kept.withUnsafeBufferPointer { $0.baseAddress } == reply.withUnsafeBufferPointer { $0.baseAddress }
    XCTAssertTrue(shared)
  }

  func testALargeReplyInStorageRoundedUpByAPageIsKeptWithoutACopy() {
    var buffer: [UInt8] = []
    buffer.reserveCapacity((4 << 20) + 4096)
    buffer.append(contentsOf: repeatElement(3, count: 4 << 20))
    let kept = Framing.kept(buffer)
    XCTAssertEqual(kept.count, 4 << 20)
    let shared =
      kept.withUnsafeBufferPointer { $0.baseAddress } == buffer.withUnsafeBufferPointer { $0.baseAddress }
    XCTAssertTrue(shared)
  }

  func testAnEmptyBufferWithRoomGivesAnEmptyReply() {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(4096)
    XCTAssertEqual(Framing.kept(buffer), [])
    XCTAssertLessThan(Framing.kept(buffer).capacity, 100)
  }
}
