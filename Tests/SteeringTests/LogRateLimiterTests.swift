import Foundation
import Logging
import SteeringTestSupport
import Synchronization
import XCTest

@testable import MPIParallelSteering

/// The limit on like warnings, on a fake clock, and the server using it.
final class LogRateLimiterTests: XCTestCase {
  func testAtMostTheLimitPerReasonAndIntervalThenOneCount() {
    var limiter = LogRateLimiter(limit: 3, interval: 10)
    let admitted = (0..<50).map { limiter.admit("bad signature", now: 100 + Double($0) * 0.1) }
    XCTAssertEqual(admitted.filter { $0 }.count, 3)
    XCTAssertEqual(Array(admitted.prefix(3)), [true, true, true])
    // Another reason has its own limit.
    XCTAssertTrue(limiter.admit("replayed request", now: 105))
    XCTAssertTrue(limiter.expired(now: 109.9).isEmpty, "nothing is reported before the interval ends")
    let report = limiter.expired(now: 110)
    XCTAssertEqual(report.map(\.reason), ["bad signature"])
    XCTAssertEqual(report.map(\.suppressed), [47])
    XCTAssertTrue(limiter.expired(now: 111).isEmpty, "a count is reported once")
    // A new interval lets the limit through again.
    XCTAssertEqual((0..<5).map { _ in limiter.admit("bad signature", now: 120) }, [true, true, true, false, false])
    XCTAssertEqual(limiter.expired(now: 130).map(\.suppressed), [2])
  }

  func testCountsHeldBackAcrossAnUnreportedIntervalAreKept() {
    var limiter = LogRateLimiter(limit: 1, interval: 1)
    XCTAssertTrue(limiter.admit("x", now: 0))
    XCTAssertFalse(limiter.admit("x", now: 0.5))
    // No report between: the new interval carries the count on.
    XCTAssertTrue(limiter.admit("x", now: 2))
    XCTAssertEqual(limiter.expired(now: 3).map(\.suppressed), [1])
  }

  func testAReasonIsItsTextWithoutDetails() {
    XCTAssertEqual(
      LogRateLimiter.reason(of: "bad signature: the message is not signed with this job's key"), "bad signature")
    XCTAssertEqual(
      LogRateLimiter.reason(of: "replayed request (nonce 3f2a seen before)"),
      LogRateLimiter.reason(of: "replayed request (nonce 99bb seen before)"))
    XCTAssertEqual(
      LogRateLimiter.reason(of: "a frame of 16777472 bytes is past the limit of 65536 bytes"),
      LogRateLimiter.reason(of: "a frame of 70000 bytes is past the limit of 65536 bytes"))
  }

  /// 500 bad frames make at most the limit's warning lines, then one line
  /// with the count once the interval ends; every frame is still refused.
  func testTheServerLogsAFloodOfBadFramesOnlyUpToTheLimit() throws {
    let lines = CapturedLog()
    let key = MessageSigner.makeKey()
    let server = try SteeringServer(
      settings: .init(port: 0, frameLimit: 64 * 1024, warningLimit: 5, warningInterval: 2), key: key,
      backend: CountingBackend(), log: Logger(label: "test") { _ in lines })
    defer { server.stop() }
    let port = try server.start()
    var generator = SystemRandomNumberGenerator()
    let start = Date()
    for _ in 0..<500 {
      let socket = try RawSocket(port: port)
      socket.send([0, 0, 0, 64] + (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) })
      XCTAssertNotNil(socket.readUntilClosed(timeout: 5), "a bad frame was not refused")
      socket.close()
    }
    XCTAssertEqual(server.counts.refused, 500)
    let refusals = { lines.lines.filter { $0.contains("refused a request") } }
    // At most 5 an interval: the intervals the sending spanned, one more for where they fall.
    let intervals = Int(Date().timeIntervalSince(start) / 2) + 2
    XCTAssertLessThanOrEqual(refusals().count, 5 * intervals, "at most the limit per interval")
    XCTAssertGreaterThanOrEqual(refusals().count, 5)
    // The count of those held back, once the interval is over.
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline && !lines.lines.contains(where: { $0.contains("held back") }) {
      Thread.sleep(forTimeInterval: 0.1)
    }
    let heldBack = lines.lines.filter { $0.contains("held back") }
    XCTAssertFalse(heldBack.isEmpty, "no line reported the warnings held back")
    let counted = heldBack.compactMap { line -> Int? in
      line.split(separator: " ").drop { $0 != "back" }.dropFirst().first.flatMap { Int($0) }
    }
    XCTAssertEqual(counted.reduce(0, +) + refusals().count, 500, "\(heldBack)")
    XCTAssertLessThan(lines.lines.count, 6 * intervals + 5)
  }
}

/// A log handler that keeps every line it is given. Unchecked: its
/// metadata and level are never changed once the logger is made.
final class CapturedLog: LogHandler, @unchecked Sendable {
  private let store = Mutex<[String]>([])
  var lines: [String] { store.withLock { $0 } }
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    store.withLock { $0.append("\(event.level): \(event.message)") }
  }
}
