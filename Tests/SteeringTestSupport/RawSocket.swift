import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A plain TCP connection to a steering listener on 127.0.0.1, for tests
/// that send what the client library never would (tampered, replayed,
/// oversized, partial frames) and watch how the hub answers.
public struct RawSocket {
  public let fd: Int32

  public init(port: Int) throws {
    fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      Glibc.close(fd)
      throw RawSocketError(
        description: "cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
    }
  }

  public func send(_ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  /// Everything the server sends until it closes (nil: still open after `timeout` seconds).
  public func readUntilClosed(timeout: Double) -> [UInt8]? {
    let (bytes, closed) = read(timeout: timeout) { _ in false }
    return closed ? bytes : nil
  }

  /// One whole frame (length, then that many bytes) from the server (nil: none within `timeout`).
  public func readFrame(timeout: Double) -> [UInt8]? {
    let (bytes, _) = read(timeout: timeout, until: Self.holdsFrame)
    return Self.holdsFrame(bytes) ? bytes : nil
  }

  public func close() { Glibc.close(fd) }

  /// A socket connecting to 127.0.0.1:`port`, not waiting for the
  /// connection to complete (nor to be accepted); nil when no socket can be made.
  public static func connectWithoutWaiting(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    return fd
  }

  /// Whether the peer has closed `fd` (data waiting counts as open).
  public static func isClosed(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    let received = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
    if received == 0 { return true }
    return received < 0 && errno != EAGAIN && errno != EWOULDBLOCK
  }

  private static func holdsFrame(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 4 && bytes.count >= 4 + bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
  }

  /// Reads until `done` holds for what arrived, the server closes, or `timeout` passes.
  private func read(timeout: Double, until done: ([UInt8]) -> Bool) -> (bytes: [UInt8], closed: Bool) {
    var received: [UInt8] = []
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while Date() < deadline, !done(received) {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 100) > 0 else { continue }
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if count <= 0 { return (received, true) }
      received += buffer[..<count]
    }
    return (received, false)
  }
}

public struct RawSocketError: Error, CustomStringConvertible {
  public let description: String
}
