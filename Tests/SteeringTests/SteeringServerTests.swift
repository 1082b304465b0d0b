import Foundation
import Logging
import SteeringTestSupport
import Synchronization
import XCTest

@testable import MPIParallelSteering

/// A backend that counts what reaches it: bad input must never get here.
final class CountingBackend: SteeringBackend {
  private let seen = Mutex<[String]>([])
  var commands: [String] { seen.withLock { $0 } }

  func answer(_ command: SteeringCommand) throws -> SteeringAnswer {
    seen.withLock { $0.append(command.name) }
    switch command {
    case .hello:
      return .hello(JobInfo(profile: "unit", engines: [], functions: [], pid: 1))
    case .functions:
      return .functions([FunctionInfo(name: "area", argumentTypes: ["Int", "Int"], resultType: "Int")])
    case .apply(let function, _, _):
      throw SteeringFailure("unknownFunction", "no remote function '\(function)'")
    default:
      return .aborted([])
    }
  }

  func stopRequested() {}
}

final class SteeringServerTests: XCTestCase {
  var server: SteeringServer!
  var backend: CountingBackend!
  var key = MessageSigner.makeKey()
  var port = 0
  var base = ""

  override func setUpWithError() throws {
    backend = CountingBackend()
    server = try SteeringServer(
      settings: .init(port: 0, frameLimit: 64 * 1024, stallTimeout: 0.5), key: key, backend: backend,
      log: Logger(label: "test"))
    port = try server.start()
    base = NSTemporaryDirectory() + "mpp-server-\(getpid())-\(UUID().uuidString)"
  }

  override func tearDown() {
    server.stop()
    try? FileManager.default.removeItem(atPath: base)
  }

  func connectionFile(key: String? = nil) throws -> String {
    let path = base + "/client.json"
    try ConnectionFile(ip: "127.0.0.1", port: port, key: key ?? self.key, profile: "unit", pid: 1, engines: 0)
      .write(to: path)
    return path
  }

  func signedFrame(_ command: SteeringCommand, nonce: String = SteeringRequest.makeNonce()) throws -> [UInt8]
  {
    let body = Array(try SteeringCoding.encoder.encode(SteeringRequest(command: command, nonce: nonce)))
    return SteeringFrame.encode(body: body, signer: try MessageSigner(hexKey: key))
  }

  /// The error a refusal frame carries.
  func refusal(_ bytes: [UInt8]?) throws -> String {
    let bytes = try XCTUnwrap(bytes, "the server neither answered nor closed")
    XCTAssertGreaterThan(bytes.count, 4, "no reply before closing")
    let contents = Array(bytes.dropFirst(4))
    let reply = try SteeringFrame.open(
      contents, as: SteeringReply.self, signer: try MessageSigner(hexKey: key))
    XCTAssertEqual(reply.error?.kind, "refused")
    return reply.error?.message ?? ""
  }

  func testAGoodClientIsAnsweredAndErrorsComeBackAsHubErrors() throws {
    let client = try Client(connectionFile: try connectionFile())
    XCTAssertEqual(client.job.profile, "unit")
    XCTAssertEqual(try client.functions().map(\.signature), ["area(Int, Int) -> Int"])
    let failed = client[...].apply("nope", 1, as: Int.self)
    XCTAssertThrowsError(try failed.get()) {
      XCTAssertEqual(
        $0 as? SteeringError, .hub(kind: "unknownFunction", message: "no remote function 'nope'"))
    }
    XCTAssertEqual(backend.commands, ["hello", "functions", "apply"])
  }

  func testAWrongKeyIsRefusedAndNeverReachesTheBackend() throws {
    XCTAssertThrowsError(try Client(connectionFile: try connectionFile(key: MessageSigner.makeKey()))) {
      // The refusal is signed with the hub's key, which this client does not have.
      XCTAssertEqual($0 as? SteeringError, .badReplySignature)
    }
    XCTAssertEqual(backend.commands, [])
    XCTAssertEqual(server.counts.refused, 1)
    XCTAssertEqual(try Client(connectionFile: try connectionFile()).job.profile, "unit")
  }

  func testTamperedReplayedOversizedAndGarbageFramesAreRefused() throws {
    // Tampered: one bit of the body flipped after signing.
    var tampered = try signedFrame(.functions)
    tampered[tampered.count - 5] ^= 0x01
    let first = try RawSocket(port: port)
    first.send(tampered)
    XCTAssertTrue(try refusal(first.readUntilClosed(timeout: 5)).contains("bad signature"))
    first.close()

    // Replayed: the same signed bytes twice.
    let frame = try signedFrame(.functions)
    let good = try RawSocket(port: port)
    good.send(frame)
    XCTAssertNotNil(good.readFrame(timeout: 10), "the first sending was not answered")
    let again = try RawSocket(port: port)
    again.send(frame)
    XCTAssertTrue(try refusal(again.readUntilClosed(timeout: 5)).contains("replayed"))
    good.close()
    again.close()

    // Oversized: refused from the header alone, before any body is sent.
    let big = try RawSocket(port: port)
    big.send([0, 1, 0, 1])
    XCTAssertTrue(try refusal(big.readUntilClosed(timeout: 5)).contains("past the limit"))
    big.close()

    // Garbage: random bytes.
    var generator = SystemRandomNumberGenerator()
    let garbage = (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let noise = try RawSocket(port: port)
    noise.send([0, 0, 0, 200] + garbage)
    XCTAssertTrue(try refusal(noise.readUntilClosed(timeout: 5)).contains("bad signature"))
    noise.close()

    // Unsigned JSON.
    let plain = Array(try SteeringCoding.encoder.encode(SteeringRequest(command: .stop)))
    let unsigned = try RawSocket(port: port)
    let length = UInt32(plain.count).bigEndian
    unsigned.send(withUnsafeBytes(of: length) { Array($0) } + plain)
    XCTAssertNotNil(unsigned.readUntilClosed(timeout: 5))
    unsigned.close()

    XCTAssertEqual(backend.commands, ["functions"], "only the one good request reached the backend")
    XCTAssertEqual(try Client(connectionFile: try connectionFile()).functions().count, 1)
  }

  /// A frame past the inline limit is checked and answered off the event
  /// loop: a bad one is refused as any other, a good one answered, and the
  /// connection is read again after it.
  func testALargeFrameIsCheckedOffTheEventLoopAndItsConnectionReadAfter() throws {
    let large = try SteeringServer(
      settings: .init(port: 0, frameLimit: 1 << 20, inlineFrameLimit: 1024), key: key, backend: backend,
      log: Logger(label: "test"))
    defer { large.stop() }
    let port = try large.start()
    let signer = try MessageSigner(hexKey: key)
    func reply(_ socket: RawSocket) throws -> SteeringReply {
      let frame = try XCTUnwrap(socket.readFrame(timeout: 10), "no reply")
      return try SteeringFrame.open(Array(frame.dropFirst(4)), as: SteeringReply.self, signer: signer)
    }
    let apply = SteeringCommand.apply(
      function: "big", arguments: [.string(String(repeating: "x", count: 8192))], targets: nil)

    let bad = try RawSocket(port: port)
    defer { bad.close() }
    bad.send(try signedFrame(.hello))
    XCTAssertNotNil(try reply(bad).answer)
    var tampered = try signedFrame(apply)
    tampered[tampered.count - 100] ^= 0x01
    bad.send(tampered)
    XCTAssertTrue(try refusal(bad.readUntilClosed(timeout: 5)).contains("bad signature"))

    let good = try RawSocket(port: port)
    defer { good.close() }
    good.send(try signedFrame(.hello))
    XCTAssertNotNil(try reply(good).answer)
    // The large request and a small one behind it, sent together.
    good.send(try signedFrame(apply) + signedFrame(.functions))
    XCTAssertEqual(try reply(good).error?.kind, "unknownFunction")
    guard case .functions? = try reply(good).answer else { return XCTFail("functions was not answered") }
    XCTAssertEqual(backend.commands, ["hello", "hello", "apply", "functions"])
  }

  func testAClientThatStallsOrVanishesMidFrameIsDroppedAndOthersAreServed() throws {
    let frame = try signedFrame(.functions)
    let staller = try RawSocket(port: port)
    staller.send(Array(frame.prefix(20)))
    XCTAssertNotNil(staller.readUntilClosed(timeout: 10), "a stalled client was not dropped")
    staller.close()
    XCTAssertEqual(server.counts.dropped, 1)

    let vanisher = try RawSocket(port: port)
    vanisher.send(Array(frame.prefix(30)))
    vanisher.close()
    Thread.sleep(forTimeInterval: 0.2)
    XCTAssertEqual(backend.commands, [])
    XCTAssertEqual(try Client(connectionFile: try connectionFile()).functions().count, 1)
  }

  func testAClientRefusesAReplyNotSignedWithItsKey() throws {
    // A listener that answers with a frame signed by another key.
    let impostor = try SteeringServer(
      settings: .init(port: 0), key: MessageSigner.makeKey(), backend: backend, log: Logger(label: "impostor")
    )
    let impostorPort = try impostor.start()
    defer { impostor.stop() }
    let path = base + "/impostor.json"
    try ConnectionFile(ip: "127.0.0.1", port: impostorPort, key: key, profile: "x", pid: 1, engines: 0).write(
      to: path)
    XCTAssertThrowsError(try Client(connectionFile: path)) {
      XCTAssertEqual($0 as? SteeringError, .badReplySignature)
    }
  }

  func testNoHubListeningIsUnreachable() throws {
    let path = try connectionFile()
    server.stop()
    XCTAssertThrowsError(try Client(connectionFile: path)) {
      guard case .unreachable = $0 as? SteeringError else { return XCTFail("\($0)") }
    }
  }
}
