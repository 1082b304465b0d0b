import Foundation
import NIOCore
import XCTest

@testable import MPIParallelSteering

/// Numeric arrays in steering messages: raw little-endian bytes after the
/// JSON, signed with it, decoded without a per-element conversion.
final class SteeringArrayCodingTests: XCTestCase {
  func testArraysTravelAsRawBytesAfterTheJSONAndComeBackBitForBit() throws {
    let doubles: [Double] = [1, -2.5, .pi, .leastNonzeroMagnitude, .infinity]
    let ints: [Int32] = [7, -1, .max]
    let command = SteeringCommand.apply(
      function: "f", arguments: [try JSONValue(encoding: doubles), try JSONValue(encoding: ints), .int(3)],
      targets: nil)
    let body = try SteeringCoding.encode(SteeringRequest(command: command, nonce: "n", time: 1))
    let end = try XCTUnwrap(body.firstIndex(of: 0))
    let json = String(decoding: body[..<end], as: UTF8.self)
    XCTAssertTrue(json.contains(#"{"$array":"f8","count":5,"offset":0}"#), json)
    XCTAssertTrue(json.contains(#"{"$array":"i4","count":3,"offset":40}"#), json)
    let start = (end + 1 + 7) / 8 * 8
    XCTAssertEqual(body.count, start + 40 + 16, "5 doubles, then 3 Int32 padded to 16 bytes")
    XCTAssertEqual(
      Array(body[start..<(start + 8)]), withUnsafeBytes(of: Double(1).bitPattern.littleEndian) { Array($0) })

    let decoded = try SteeringCoding.decode(SteeringRequest.self, from: body[...])
    guard case .apply(_, let arguments, _) = decoded.command else { return XCTFail("\(decoded)") }
    XCTAssertEqual(try arguments[0].decode(as: [Double].self), doubles)
    XCTAssertEqual(try arguments[1].decode(as: [Int32].self), ints)
    XCTAssertEqual(arguments[2], .int(3))
    guard case .numbers(let numbers) = arguments[0] else { return XCTFail("\(arguments[0])") }
    XCTAssertEqual(numbers.kind, .float64)
    XCTAssertEqual(numbers.values(as: Double.self), doubles)
  }

  func testArraysOutsideAMessageAreJSONNumbersEqualToTheirArray() throws {
    let value = try JSONValue(encoding: [1.5, 2.0])
    XCTAssertEqual(value.description, "[1.5,2]")
    XCTAssertEqual(value, try JSONValue(parsing: "[1.5, 2]"))
    XCTAssertEqual(Set([value, try JSONValue(parsing: "[1.5, 2]")]).count, 1)
    XCTAssertNotEqual(value, try JSONValue(parsing: "[1.5, 3]"))
    XCTAssertEqual(
      try JSONValue(encoding: [3, 4]).decode(as: [Double].self), [3, 4], "ints convert to doubles")
    XCTAssertEqual(value.arrayValue, [.double(1.5), .double(2)])
    let packed = try SteeringCoding.pack(.object(["u": value, "n": .string("x")]))
    XCTAssertEqual(try SteeringCoding.unpack(packed[...]), .object(["u": value, "n": .string("x")]))
  }

  func testATamperedArrayFailsTheSignatureAndAnArrayPastTheBytesIsRefused() throws {
    let signer = try MessageSigner(hexKey: MessageSigner.makeKey())
    let request = SteeringRequest(
      command: .push(
        name: "u", value: try JSONValue(encoding: [Double](repeating: 1, count: 100)), targets: nil))
    var frame = SteeringFrame.encode(body: try SteeringCoding.encode(request), signer: signer)
    let contents = Array(frame[SteeringFrame.headerSize...])
    XCTAssertEqual(try SteeringFrame.open(contents, as: SteeringRequest.self, signer: signer), request)
    frame[frame.count - MessageSigner.signatureSize - 3] ^= 0x40  // a byte of the last double
    XCTAssertThrowsError(
      try SteeringFrame.open(
        Array(frame[SteeringFrame.headerSize...]), as: SteeringRequest.self, signer: signer)
    ) { XCTAssertTrue("\($0)".contains("bad signature"), "\($0)") }

    var body = Array(#"{"$array":"f8","count":4,"offset":0}"#.utf8)
    body.append(0)
    while body.count % 8 != 0 { body.append(0) }
    body += [UInt8](repeating: 0, count: 16)
    XCTAssertThrowsError(try SteeringCoding.unpack(body[...])) {
      XCTAssertTrue("\($0)".contains("does not fit the 16 bytes"), "\($0)")
    }
  }

  func testJoinedArraysKeepTheirBytesAsSegmentsAndEncodeAsOneArray() throws {
    let first: [Double] = [1, 2, 3]
    let second: [Double] = [4.5, -6]
    let joined = try XCTUnwrap(
      NumericArray.joined([NumericArray(first), NumericArray(second), NumericArray([Double]())]))
    XCTAssertEqual(joined.segments.count, 2, "the empty array adds no segment; nothing is copied")
    XCTAssertEqual(joined.count, 5)
    XCTAssertEqual(joined.values(as: Double.self), first + second)
    XCTAssertEqual(joined, NumericArray(first + second))
    XCTAssertEqual(joined.hashValue, NumericArray(first + second).hashValue)
    XCTAssertEqual(joined.elements, (first + second).map { JSONValue.double($0) })
    XCTAssertNil(NumericArray.joined([NumericArray(first), NumericArray([Int32(1)])]), "kinds differ")

    let reply = SteeringReply(
      inReplyTo: "n",
      answer: .job(
        JobStatus(job: 1, ready: true, done: 2, total: 2, items: [.value(.numbers(joined))], engines: [0, 1]))
    )
    let whole = SteeringReply(
      inReplyTo: "n",
      answer: .job(
        JobStatus(
          job: 1, ready: true, done: 2, total: 2, items: [.value(.numbers(NumericArray(first + second)))],
          engines: [0, 1])))
    var wholeReply = whole
    wholeReply.time = reply.time
    XCTAssertEqual(try SteeringCoding.encode(reply), try SteeringCoding.encode(wholeReply))
    let parts = try SteeringCoding.encodeParts(reply)
    XCTAssertEqual(parts.count, 1 + 2, "the JSON, then each segment where it lies (40 bytes: no padding)")
    XCTAssertEqual(Array(parts.joined()), try SteeringCoding.encode(reply))
  }

  func testAFrameWrittenFromPiecesIsTheFrameOfTheJoinedBody() throws {
    let signer = try MessageSigner(hexKey: MessageSigner.makeKey())
    let request = SteeringRequest(
      command: .push(
        name: "u",
        value: .array([
          try JSONValue(encoding: [Float](repeating: 2, count: 3)), .string("s"),
          // Several stretches of copying and hashing, the last one short.
          try JSONValue(encoding: (0..<(SteeringFrame.stretch / 8 * 3 + 5)).map(Double.init)),
        ]), targets: nil))
    let parts = try SteeringCoding.encodeParts(request)
    let body = try SteeringCoding.encode(request)
    XCTAssertEqual(signer.signature(ofParts: parts), signer.signature(of: body))
    // In one piece when the piece is larger than the frame.
    var whole: [[UInt8]] = []
    SteeringFrame.encode(parts: parts, signer: signer, allocator: ByteBufferAllocator(), piece: 1 << 30) {
      whole.append(Array($0.readableBytesView))
      XCTAssertTrue($1)
    }
    XCTAssertEqual(whole, [SteeringFrame.encode(body: body, signer: signer)])
    // In pieces: each but the last as long as asked, together the same frame.
    var pieces: [(bytes: [UInt8], last: Bool)] = []
    SteeringFrame.encode(parts: parts, signer: signer, allocator: ByteBufferAllocator(), piece: 100_000) {
      pieces.append((Array($0.readableBytesView), $1))
    }
    XCTAssertEqual(pieces.count, (body.count + 4 + 99_999) / 100_000)
    XCTAssertEqual(pieces.map(\.last), Array(repeating: false, count: pieces.count - 1) + [true])
    XCTAssertTrue(pieces.dropLast().allSatisfy { $0.bytes.count == 100_000 })
    XCTAssertEqual(pieces.flatMap(\.bytes), SteeringFrame.encode(body: body, signer: signer))
  }
}
