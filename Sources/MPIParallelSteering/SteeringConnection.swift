import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A blocking TCP connection to a served job's hub: sends signed requests and
/// reads signed replies, one at a time (a lock keeps concurrent callers in turn).
final class SteeringConnection: Sendable {
  let file: ConnectionFile
  private let signer: MessageSigner
  private let frameLimit: Int
  /// The socket (-1: none), locked while a request and its reply go through.
  private let descriptor = NIOLockedValueBox<Int32>(-1)

  /// Seconds a connection attempt may take.
  let connectTimeout: Double

  init(file: ConnectionFile, frameLimit: Int = SteeringFrame.defaultLimit, connectTimeout: Double = 10) throws
  {
    self.file = file
    self.frameLimit = frameLimit
    self.connectTimeout = connectTimeout
    signer = try MessageSigner(hexKey: file.key)
    let fd = try connect()
    descriptor.withLockedValue { $0 = fd }
  }

  deinit {
    let fd = descriptor.withLockedValue { $0 }
    if fd >= 0 { Glibc.close(fd) }
  }

  func close() {
    descriptor.withLockedValue { fd in
      if fd >= 0 { Glibc.close(fd) }
      fd = -1
    }
  }

  /// Sends `command` and returns the hub's answer, or throws its error.
  /// `timeout` bounds the wait for the reply (seconds).
  func send(_ command: SteeringCommand, timeout: Double = 60) throws -> SteeringAnswer {
    try descriptor.withLockedValue { fd in try send(command, timeout: timeout, on: &fd) }
  }

  /// `send` with the lock held: `fd` is the socket, made anew when there is
  /// none or the hub has closed it (as it does with a connection left idle).
  private func send(_ command: SteeringCommand, timeout: Double, on fd: inout Int32) throws -> SteeringAnswer
  {
    if fd >= 0, Self.closedByPeer(fd) {
      Glibc.close(fd)
      fd = -1
    }
    let fresh = fd < 0
    if fresh { fd = try connect() }
    let request = SteeringRequest(command: command)
    // The body's pieces (JSON, then the arrays where they lie) are signed
    // and written one after another, never joined.
    let body = try SteeringCoding.encodeParts(request)
    let length = MessageSigner.signatureSize + body.reduce(0) { $0 + $1.count }
    guard length <= frameLimit else {
      throw SteeringError.frameTooLarge(size: length, limit: frameLimit)
    }
    // The hub takes only a small frame from a connection that has not yet
    // sent a signed one: a large request on a new connection goes after a hello.
    if fresh, length > SteeringFrame.unauthenticatedLimit {
      let hello = SteeringRequest(command: .hello)
      let helloFrame = SteeringFrame.encode(
        body: Array(try SteeringCoding.encoder.encode(hello)), signer: signer)
      _ = try exchange([helloFrame[...]], nonce: hello.nonce, timeout: timeout, on: &fd)
    }
    var head: [UInt8] = []
    withUnsafeBytes(of: UInt32(length).bigEndian) { head.append(contentsOf: $0) }
    let signature = signer.signature(ofParts: body)
    return try exchange(
      [head[...]] + body + [signature[...]], nonce: request.nonce, timeout: timeout, on: &fd)
  }

  /// Sends a signed request's frame (in pieces) and reads the hub's reply to it.
  private func exchange(_ frame: [ArraySlice<UInt8>], nonce: String, timeout: Double, on fd: inout Int32)
    throws
    -> SteeringAnswer
  {
    do {
      for piece in frame { try writeAll(piece, to: fd) }
      let reply = try readReply(from: fd, timeout: timeout)
      guard reply.inReplyTo == nonce || reply.inReplyTo.isEmpty else {
        throw SteeringError.connectionLost("a reply to another request arrived")
      }
      if let error = reply.error {
        if error.kind == "refused" { throw SteeringError.refused(error.message) }
        throw SteeringError.hub(kind: error.kind, message: error.message)
      }
      guard let answer = reply.answer else {
        throw SteeringError.connectionLost("a reply with neither answer nor error")
      }
      return answer
    } catch let error as SteeringError {
      // A hub's error leaves the connection usable; anything else ends it.
      if case .hub = error {
      } else {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
      }
      throw error
    }
  }

  /// Whether the hub has closed `fd` (or sent bytes no request asked for,
  /// which leave the connection out of step): between requests nothing
  /// should be waiting to be read.
  private static func closedByPeer(_ fd: Int32) -> Bool {
    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&poller, 1, 0) > 0 else { return false }
    return true
  }

  /// A new socket connected to the hub.
  private func connect() throws -> Int32 {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(file.ip, String(file.port), &hints, &list)
    guard status == 0, let first = list else {
      throw SteeringError.unreachable(address: file.address, reason: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var reason = "no address"
    var entry: UnsafeMutablePointer<addrinfo>? = first
    while let info = entry {
      let socket = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
      if socket >= 0 {
        if let failure = Self.connect(
          socket, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: connectTimeout)
        {
          reason = failure
          Glibc.close(socket)
        } else {
          var one: Int32 = 1
          setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
          return socket
        }
      }
      entry = info.pointee.ai_next
    }
    throw SteeringError.unreachable(address: file.address, reason: reason)
  }

  /// Connects within `timeout` seconds; nil on success, else why not.
  private static func connect(
    _ socket: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: socklen_t, timeout: Double
  ) -> String? {
    let flags = fcntl(socket, F_GETFL)
    _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
    defer { _ = fcntl(socket, F_SETFL, flags) }
    if Glibc.connect(socket, address, length) == 0 { return nil }
    guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
    var poller = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
    let ready = poll(&poller, 1, Int32(timeout * 1000))
    guard ready > 0 else {
      return ready == 0 ? "no answer within \(timeout) s" : String(cString: strerror(errno))
    }
    var error: Int32 = 0
    var size = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &size)
    return error == 0 ? nil : String(cString: strerror(error))
  }

  private func writeAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      if sent < 0 {
        if errno == EINTR { continue }
        throw SteeringError.connectionLost("sending: \(String(cString: strerror(errno)))")
      }
      offset += sent
    }
  }

  private func readReply(from fd: Int32, timeout: Double) throws -> SteeringReply {
    let deadline = Date().timeIntervalSince1970 + timeout
    let header = try readExactly(SteeringFrame.headerSize, from: fd, deadline: deadline)
    let length = try SteeringFrame.length(header: header, limit: frameLimit)
    let contents = try readExactly(length, from: fd, deadline: deadline)
    let (body, signature) = SteeringFrame.split(contents)
    guard signer.verify(signature, body: body) else { throw SteeringError.badReplySignature }
    do {
      return try SteeringCoding.decode(SteeringReply.self, from: body)
    } catch {
      throw SteeringError.connectionLost("the hub's reply does not decode: \(JSONValue.reason(error))")
    }
  }

  private func readExactly(_ count: Int, from fd: Int32, deadline: Double) throws -> [UInt8] {
    // Not zero-filled first: UInt8 needs no initialization, and every byte
    // is received before the array is returned (a short read throws).
    var bytes = [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    var offset = 0
    while offset < count {
      let left = deadline - Date().timeIntervalSince1970
      guard left > 0 else { throw SteeringError.timedOut("no reply from the hub at \(file.address)") }
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      let ready = poll(&poller, 1, Int32(min(left, 3600) * 1000) + 1)
      if ready < 0 {
        if errno == EINTR { continue }
        throw SteeringError.connectionLost("waiting: \(String(cString: strerror(errno)))")
      }
      if ready == 0 { continue }
      let received = bytes.withUnsafeMutableBytes {
        Glibc.recv(fd, $0.baseAddress! + offset, count - offset, 0)
      }
      if received == 0 { throw SteeringError.connectionLost("the hub closed the connection") }
      if received < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw SteeringError.connectionLost("receiving: \(String(cString: strerror(errno)))")
      }
      offset += received
    }
    return bytes
  }
}
