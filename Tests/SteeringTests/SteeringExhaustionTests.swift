import Foundation
import Logging
import SteeringTestSupport
import XCTest

@testable import MPIParallelSteering

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A peer that can reach the port but lacks the key must not be able to use
/// up the hub's descriptors or memory, or keep a client that has the key out.
final class SteeringExhaustionTests: XCTestCase {
  var servers: [SteeringServer] = []
  let key = MessageSigner.makeKey()
  var base = ""

  override func setUp() {
    base = NSTemporaryDirectory() + "mpp-exhaustion-\(getpid())-\(UUID().uuidString)"
  }

  override func tearDown() {
    for server in servers { server.stop() }
    servers = []
    try? FileManager.default.removeItem(atPath: base)
  }

  /// A started server and a connection file for it.
  func serve(_ settings: SteeringServer.Settings) throws -> (server: SteeringServer, port: Int, file: String) {
    let server = try SteeringServer(
      settings: settings, key: key, backend: CountingBackend(), log: Logger(label: "test"))
    servers.append(server)
    let port = try server.start()
    let path = base + "/client-\(port).json"
    try ConnectionFile(ip: "127.0.0.1", port: port, key: key, profile: "unit", pid: 1, engines: 0)
      .write(to: path)
    return (server, port, path)
  }

  func signedFrame(_ command: SteeringCommand) throws -> [UInt8] {
    let body = Array(try SteeringCoding.encoder.encode(SteeringRequest(command: command)))
    return SteeringFrame.encode(body: body, signer: try MessageSigner(hexKey: key))
  }

  func testIdleAndDrippingConnectionsAreDroppedOnTime() throws {
    let (_, port, _) = try serve(
      .init(port: 0, stallTimeout: 0.6, handshakeTimeout: 1, idleTimeout: 1))
    let start = Date()
    let idle = try RawSocket(port: port)
    defer { idle.close() }
    // Announces a 4 KiB frame, then sends one byte of it every 0.2 s: never
    // silent long enough to stall.
    let drip = try RawSocket(port: port)
    defer { drip.close() }
    drip.send([0, 0, 0x10, 0])
    // Proves the key with one request, then sends nothing.
    let signed = try RawSocket(port: port)
    defer { signed.close() }
    signed.send(try signedFrame(.functions))
    XCTAssertNotNil(signed.readFrame(timeout: 5), "the signed request was not answered")

    var closedAt: [String: Double] = [:]
    while Date().timeIntervalSince(start) < 4, closedAt.count < 3 {
      drip.send([0x20])
      for (name, socket) in [("idle", idle), ("drip", drip), ("signed", signed)]
      where closedAt[name] == nil && isClosed(socket.fd) {
        closedAt[name] = Date().timeIntervalSince(start)
      }
      Thread.sleep(forTimeInterval: 0.2)
    }
    for name in ["idle", "drip", "signed"] {
      let at = try XCTUnwrap(closedAt[name], "the \(name) connection was still open after 4 s")
      XCTAssertGreaterThanOrEqual(at, 0.8, "the \(name) connection was dropped before its time")
      XCTAssertLessThan(at, 3, "the \(name) connection was dropped late")
    }
  }

  func testAClientLeftIdleReconnectsAndItsLargeRequestsStillGoThrough() throws {
    let (server, _, file) = try serve(
      .init(port: 0, frameLimit: 1 << 20, handshakeTimeout: 1, idleTimeout: 0.5))
    let client = try Client(connectionFile: file, timeout: 5)
    XCTAssertEqual(try client.functions().count, 1)
    Thread.sleep(forTimeInterval: 1)  // the hub drops the idle connection
    XCTAssertEqual(try client.functions().count, 1)
    Thread.sleep(forTimeInterval: 1)
    // Past the unauthenticated frame limit, on a new connection.
    let large = String(repeating: "x", count: 2 * SteeringFrame.unauthenticatedLimit)
    let failed = client[...].apply("nope", large, as: Int.self)
    XCTAssertThrowsError(try failed.get()) {
      guard case .hub(let kind, _) = $0 as? SteeringError else { return XCTFail("\($0)") }
      XCTAssertEqual(kind, "unknownFunction")
    }
    XCTAssertEqual(server.counts.refused, 0)
  }

  func testAGoodClientIsServedWhileHundredsOfIdleConnectionsAreHeld() throws {
    let (server, port, file) = try serve(
      .init(port: 0, handshakeTimeout: 60, idleTimeout: 60, pendingLimit: 16, pendingPerAddressLimit: 16))
    // Leaves this process room for 340 more descriptors: the test's own
    // 300 idle connections, and 40 for the hub, which without a cap would
    // hold one for each idle connection it accepts. The limit is put back
    // before anything else runs.
    let used = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    var saved = rlimit()
    XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)
    var lowered = saved
    lowered.rlim_cur = min(saved.rlim_max, rlim_t(used + 340))
    XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered), 0)
    var idle: [Int32] = []
    defer {
      for fd in idle { Glibc.close(fd) }
      var restore = saved
      setrlimit(Int32(RLIMIT_NOFILE.rawValue), &restore)
    }
    for _ in 0..<300 {
      guard let fd = connectWithoutWaiting(port: port) else { break }
      idle.append(fd)
    }
    // Until the hub has accepted half of them (the listen queue is short,
    // and the kernel retries a dropped connection after a second or more),
    // for at most 3.5 s.
    let waitStart = Date()
    while server.counts.connections < 150, Date().timeIntervalSince(waitStart) < 3.5 {
      Thread.sleep(forTimeInterval: 0.05)
    }
    XCTAssertLessThanOrEqual(server.pendingCount, 16)

    let start = Date()
    let client = try Client(connectionFile: file, timeout: 2)
    XCTAssertEqual(try client.functions().count, 1)
    client.close()
    XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    XCTAssertEqual(idle.count, 300, "the test's own connections ran out of descriptors")
  }

  func testUnsignedConnectionsAnnouncingHugeFramesCannotMakeTheHubBuffer() throws {
    let (_, port, file) = try serve(.init(port: 0))
    let before = try residentBytes()
    let junk = [UInt8](repeating: 0x5a, count: 1 << 20)
    var sockets: [RawSocket] = []
    defer { for socket in sockets { socket.close() } }
    for _ in 0..<4 {
      let socket = try RawSocket(port: port)
      sockets.append(socket)
      let announced = UInt32(255 << 20).bigEndian
      socket.send(withUnsafeBytes(of: announced) { Array($0) })
    }
    // Up to 48 MiB of junk on each, for at most 6 s in all.
    let deadline = Date().addingTimeInterval(6)
    for socket in sockets {
      sendWithoutWaiting(junk, times: 48, on: socket.fd, until: deadline)
    }
    Thread.sleep(forTimeInterval: 0.3)
    let grown = try residentBytes() - before
    XCTAssertLessThan(grown, 64 << 20, "the hub's memory grew by \(grown >> 20) MiB")
    for socket in sockets {
      XCTAssertNotNil(socket.readUntilClosed(timeout: 2), "an unsigned 255 MiB frame was not refused")
    }
    XCTAssertEqual(try Client(connectionFile: file, timeout: 2).functions().count, 1)
  }

  // MARK: Sockets and memory

  private func isClosed(_ fd: Int32) -> Bool { RawSocket.isClosed(fd) }

  private func connectWithoutWaiting(port: Int) -> Int32? { RawSocket.connectWithoutWaiting(port: port) }

  /// Sends `bytes` `times` times, never blocking past `deadline`; stops at
  /// the first error (the hub closed the connection).
  private func sendWithoutWaiting(_ bytes: [UInt8], times: Int, on fd: Int32, until deadline: Date) {
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    defer { _ = fcntl(fd, F_SETFL, flags) }
    for _ in 0..<times {
      var offset = 0
      while offset < bytes.count {
        guard Date() < deadline else { return }
        let sent = bytes.withUnsafeBytes {
          send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
        }
        if sent > 0 {
          offset += sent
        } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
          var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
          _ = poll(&poller, 1, 50)
        } else {
          return
        }
      }
    }
  }

  /// This process's resident memory, from /proc/self/status.
  private func residentBytes() throws -> Int {
    let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
    let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
    let kilobytes = try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    return kilobytes * 1024
  }
}
