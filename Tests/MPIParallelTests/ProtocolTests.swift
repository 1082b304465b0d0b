import XCTest

@testable import MPIParallel

final class ProtocolTests: XCTestCase {
  func roundTrip(_ request: HubRequest, file: StaticString = #filePath, line: UInt = #line) throws {
    var reader = WireReader(request.encode())
    XCTAssertEqual(try HubRequest.decode(&reader), request, file: file, line: line)
    XCTAssertTrue(reader.isAtEnd, file: file, line: line)
  }

  func testEveryRequestRoundTrips() throws {
    try roundTrip(.call(taskID: 7, function: "f", argumentTypes: "(Int)", resultType: "Int", count: nil))
    try roundTrip(.call(taskID: 8, function: "g", argumentTypes: "()", resultType: "", count: 12))
    try roundTrip(.pull(taskID: 1, name: "a"))
    try roundTrip(.remove(taskID: 2, name: "ü"))
    try roundTrip(.broadcast(taskID: 3, communicator: 4, byteCount: 1 << 33))
    try roundTrip(
      .scatter(
        taskID: 5, communicator: 1, name: "x", mode: .raw(.double), typeName: "Array<Double>", byteCount: 80,
        flatten: true))
    try roundTrip(
      .scatter(
        taskID: 5, communicator: 1, name: "x", mode: .encoded, typeName: "P", byteCount: 3, flatten: false))
    try roundTrip(
      .gather(taskID: 6, communicator: 2, name: "y", mode: .raw(.int32), elementTypeName: "Int32"))
    try roundTrip(.createCommunicator(id: 3, worldRanks: [0, 2, 5]))
    try roundTrip(.shutdown(taskID: 99))
  }

  func testMalformedRequestsThrow() {
    var unknown = WireReader([200])
    XCTAssertThrowsError(try HubRequest.decode(&unknown))
    var truncated = WireReader(Array(HubRequest.pull(taskID: 1, name: "abc").encode().dropLast()))
    XCTAssertThrowsError(try HubRequest.decode(&truncated))
  }

  func testRequestsFromAHeaderMatchThoseWrittenWhole() {
    let signature = HubRequest.callSignature(function: "area", argumentTypes: "(Int, Int)", resultType: "Int")
    for count in [nil, 1, 7] as [Int?] {
      let header = HubRequest.callHeader(taskID: 0, callSignature: signature, count: count.map { _ in 0 })
        .bytes
      let copied = HubRequest.call(from: header, taskID: 123_456, count: count)
      let whole = HubRequest.callHeader(taskID: 123_456, callSignature: signature, count: count)
      XCTAssertEqual(copied.bytes, whole.bytes, "count \(String(describing: count))")
    }
  }

  func testReplyHeaders() throws {
    var writer = EngineReply.success(taskID: 42, started: 10.5)
    writer.write(UInt8(9))
    EngineReply.stamp(completed: 11.25, in: &writer)
    let bytes = writer.bytes
    let header = try EngineReply(header: bytes)
    XCTAssertEqual(header.taskID, 42)
    XCTAssertTrue(header.succeeded)
    XCTAssertEqual(header.started, 10.5)
    XCTAssertEqual(header.completed, 11.25)
    var payload = try EngineReply.payloadReader(of: bytes)
    XCTAssertEqual(try payload.read(UInt8.self), 9)

    let failure = EngineReply.failure(
      taskID: 3, started: 1, completed: 2, errorType: "Boom", message: "it broke", function: "f")
    XCTAssertFalse(try EngineReply(header: failure).succeeded)
    let fields = try EngineReply.errorFields(of: failure)
    XCTAssertEqual(fields.type, "Boom")
    XCTAssertEqual(fields.message, "it broke")
    XCTAssertEqual(fields.function, "f")
    XCTAssertThrowsError(try EngineReply(header: [1, 2, 3]), "a reply shorter than its header")
  }
}
