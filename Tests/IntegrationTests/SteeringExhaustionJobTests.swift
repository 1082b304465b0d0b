import Foundation
import MPIParallelSteering
import SteeringTestSupport
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A served job whose processes may open 1,024 files, the common default:
/// 1,100 connections that never send a byte must not keep a client with the
/// key out. The hub's limits come from the runtime's flags.
final class SteeringExhaustionJobTests: XCTestCase {
  /// This process's soft limit on open files set to `soft` (within the hard
  /// limit); returns the limit it had.
  func setOpenFileLimit(_ soft: rlim_t) throws -> rlimit {
    var saved = rlimit()
    XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved), 0)
    var changed = saved
    changed.rlim_cur = min(soft, saved.rlim_max)
    guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &changed) == 0 else {
      throw XCTSkip("cannot set the open-file limit to \(soft): \(String(cString: strerror(errno)))")
    }
    return saved
  }

  /// The soft limit on open files of process `pid`, from /proc/PID/limits.
  func openFileLimit(of pid: Int) throws -> Int? {
    let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
    guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix("Max open files") }) else {
      return nil
    }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true)[3])
  }

  func testAGoodClientIsServedWhileElevenHundredIdleConnectionsAreHeldUnderA1024FileLimit() throws {
    // mpirun and its ranks inherit this process's limit of 1,024 open files;
    // this process takes its own limit back up once they have started.
    var saved = try setOpenFileLimit(1024)
    var restored = false
    defer { if !restored { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved) } }
    let job = ServedJob(
      ranks: 3,
      extraArguments: ["--handshake-timeout", "60", "--max-unsigned", "48", "--max-unsigned-per-address", "40"])
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let path = try job.waitUntilServing()
    let file = try ConnectionFile.read(from: path)
    XCTAssertEqual(try openFileLimit(of: file.pid), 1024, "the hub's limit on open files")
    restored = true
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved)
    _ = try setOpenFileLimit(rlim_t(4096))
    defer { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &saved) }

    // 1,100 connections from this address that send nothing, held open
    // (the hub's handshake timeout is 60 s: none of them is dropped for
    // time while the test runs).
    var idle: [Int32] = []
    defer { for fd in idle { close(fd) } }
    // In groups of 20, so that the listen queue (64) takes each group in
    // (a connection refused for a full queue is tried again only a second
    // or more later, and a few rounds of that outlast the test).
    for index in 0..<1_100 {
      idle.append(try XCTUnwrap(RawSocket.connectWithoutWaiting(port: file.port), "out of sockets"))
      if index % 20 == 19 { Thread.sleep(forTimeInterval: 0.03) }
    }
    // The hub takes every one in, closing the oldest to keep 40 from one
    // address (--max-unsigned-per-address 40); without that it would hold
    // one descriptor each until it ran out, and accept nothing more.
    let deadline = Date().addingTimeInterval(20)
    var open = idle.count
    while Date() < deadline {
      open = idle.filter { !RawSocket.isClosed($0) }.count
      if open <= 40 { break }
      Thread.sleep(forTimeInterval: 0.2)
    }
    XCTAssertLessThanOrEqual(open, 40, "connections still open after the hub took in 1,100")

    // A client with the key is served at once, twice, while they are held.
    let start = Date()
    let client = try Client(connectionFile: path, timeout: 5)
    XCTAssertEqual(try client.engines().count, 2)
    XCTAssertEqual(try client.loadBalancedView().map("square", [6], as: Int.self).get(), [36])
    XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    try client.stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }
}
