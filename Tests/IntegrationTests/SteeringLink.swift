import Foundation
import MPIParallelSteering
import SteeringTestSupport
import XCTest

/// Signed frames for a job's key, over raw sockets: a test can hold
/// hundreds of requests open at once, which the client library (one
/// request at a time per connection) would need hundreds of threads for.
struct SteeringLink: Sendable {
  let port: Int
  let signer: MessageSigner

  init(_ path: String) throws {
    let file = try ConnectionFile.read(from: path)
    port = file.port
    signer = try MessageSigner(hexKey: file.key)
  }

  func frame(_ command: SteeringCommand) throws -> [UInt8] {
    SteeringFrame.encode(
      body: Array(try Self.encoder.encode(SteeringRequest(command: command))), signer: signer)
  }

  /// JSON as the protocol writes it (NaN and infinities as strings), so that
  /// a test can send the values a check must refuse.
  static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// The hub's next reply on `socket`.
  func reply(on socket: RawSocket, timeout: Double) throws -> SteeringReply {
    let frame = try XCTUnwrap(socket.readFrame(timeout: timeout), "no reply within \(timeout) s")
    return try SteeringFrame.open(
      Array(frame.dropFirst(SteeringFrame.headerSize)), as: SteeringReply.self, signer: signer)
  }

  /// Sends `command` on a new connection (after a hello when its frame is
  /// past what a connection may send before proving the key); the reply.
  func ask(_ command: SteeringCommand, timeout: Double = 60) throws -> SteeringReply {
    try ask(frame: try frame(command), timeout: timeout)
  }

  func ask(frame: [UInt8], timeout: Double = 60) throws -> SteeringReply {
    let socket = try RawSocket(port: port)
    defer { socket.close() }
    if frame.count > SteeringFrame.unauthenticatedLimit {
      socket.send(try self.frame(.hello))
      _ = try reply(on: socket, timeout: timeout)
    }
    socket.send(frame)
    return try reply(on: socket, timeout: timeout)
  }

  /// Submits `command`; its job.
  func submit(_ command: SteeringCommand) throws -> Submission {
    let reply = try ask(command)
    guard case .submitted(let submission)? = reply.answer else {
      throw SteeringError.connectionLost("not submitted: \(reply)")
    }
    return submission
  }
}

/// Checks that `reply` refuses its request with an error of `kind` whose
/// message holds `text`.
func expectRefused(
  _ reply: SteeringReply, kind: String = "badArguments", saying text: String, line: UInt = #line
) {
  XCTAssertNil(reply.answer, "\(reply)", line: line)
  XCTAssertEqual(reply.error?.kind, kind, "\(reply)", line: line)
  XCTAssertTrue(reply.error?.message.contains(text) ?? false, "\(reply)", line: line)
}
