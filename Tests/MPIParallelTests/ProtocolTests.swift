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
    try roundTrip(.createCommunicator(id: 3, engines: [1, 4], groups: [], enginesOnly: false))
    try roundTrip(.createCommunicator(id: 4, engines: [5, 0, 3], groups: [3, 5], enginesOnly: true))
    try roundTrip(.shutdown(taskID: 99))
    try roundTrip(.retire(taskID: 98))
    try roundTrip(.abort(taskIDs: [4, 1 << 40, 2]))
    try roundTrip(.abort(taskIDs: []))
  }

  func testAbortableRequestsAreThoseAnEngineRunsAlone() {
    let call = HubRequest.call(taskID: 7, function: "f", argumentTypes: "()", resultType: "Int", count: nil)
    let chunk = HubRequest.call(taskID: 8, function: "f", argumentTypes: "(Int)", resultType: "Int", count: 3)
    XCTAssertEqual(HubRequest.abortableTaskID(of: call.encode()), 7)
    XCTAssertEqual(HubRequest.abortableTaskID(of: chunk.encode()), 8)
    XCTAssertEqual(HubRequest.abortableTaskID(of: HubRequest.pull(taskID: 9, name: "a").encode()), 9)
    XCTAssertEqual(HubRequest.abortableTaskID(of: HubRequest.remove(taskID: 10, name: "a").encode()), 10)
    XCTAssertEqual(
      HubRequest.abortableTaskID(of: HubRequest.guarded(call.encode(), taskID: 7, predicate: "p")), 7)
    // The hub and other engines take part in these, or wait for them.
    let others: [HubRequest] = [
      .broadcast(taskID: 1, communicator: 1, byteCount: 8),
      .gather(taskID: 2, communicator: 1, name: "y", mode: .encoded, elementTypeName: "P"),
      .shutdown(taskID: 3), .retire(taskID: 4), .createCommunicator(id: 1, engines: [0], groups: [], enginesOnly: false),
      .abort(taskIDs: [5]),
    ]
    for request in others { XCTAssertNil(HubRequest.abortableTaskID(of: request.encode()), "\(request)") }
    XCTAssertNil(HubRequest.abortableTaskID(of: [UInt8(HubRequest.Kind.call.rawValue), 1, 2]), "truncated")
    XCTAssertEqual(HubRequest.abortableTaskIDs(in: call.encode()), [7])
    XCTAssertEqual(HubRequest.abortableTaskIDs(in: HubRequest.shutdown(taskID: 3).encode()), [])
  }

  func testABundlesAbortableRequestsAreFoundFromAnyItemOn() {
    let items = [11, 12, 13].map {
      HubRequest.call(taskID: $0, function: "f", argumentTypes: "()", resultType: "Int", count: nil).encode()
    }
    var writer = WireWriter()
    writer.write(HubRequest.Kind.bundle.rawValue)
    writer.write(UInt32(items.count))
    var offsets: [Int] = []
    for item in items {
      offsets.append(writer.count)
      writer.write(UInt32(item.count))
      item.withUnsafeBytes { writer.writeRaw($0) }
    }
    let bundle = writer.bytes
    XCTAssertEqual(HubRequest.abortableTaskIDs(in: bundle), [11, 12, 13])
    XCTAssertEqual(HubRequest.abortableTaskIDs(inBundle: bundle, from: offsets[1], items: 2), [12, 13])
    XCTAssertEqual(HubRequest.abortableTaskIDs(inBundle: bundle, from: offsets[2], items: 1), [13])
    // A malformed rest is left out.
    XCTAssertEqual(HubRequest.abortableTaskIDs(in: Array(bundle.dropLast(3))), [11, 12])
  }

  func testAnAbortedReplyHasItsOwnStatusAndNoStart() throws {
    let header = try EngineReply(header: EngineReply.aborted(taskID: 5, completed: 12.5))
    XCTAssertEqual(header.taskID, 5)
    XCTAssertTrue(header.aborted)
    XCTAssertFalse(header.succeeded)
    XCTAssertFalse(header.unmet)
    XCTAssertEqual(header.started, 0)
    XCTAssertEqual(header.completed, 12.5)
    let success = try EngineReply(header: EngineReply.success(taskID: 1, started: 1).bytes)
    XCTAssertFalse(success.aborted)
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
