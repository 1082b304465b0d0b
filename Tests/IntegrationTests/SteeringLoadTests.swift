import Foundation
import MPIParallelSteering
import SteeringTestSupport
import XCTest

/// A served job under load from clients that hold the key: waits on an
/// unfinished task hold no request thread, a large request is decoded away
/// from everyone else's, and `engines` and `stop` are answered at once
/// through all of it.
final class SteeringLoadTests: XCTestCase {
  /// How long `body` takes, in seconds.
  func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
  }

  func testThreeHundredWaitersHoldNoThreadWhileEnginesAndStopAreAnsweredAtOnce() throws {
    let job = ServedJob(ranks: 3)
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let path = try job.waitUntilServing()
    let link = try SteeringLink(path)
    let client = try Client(connectionFile: path)
    XCTAssertEqual(try client.engines().count, 2)

    // 300 clients wait on a task that runs 6 s, as the client's get() does.
    let task = try link.submit(.apply(function: "sleepFor", arguments: [.double(6)], targets: [0]))
    let started = Date()
    var waiters: [RawSocket] = []
    defer { for socket in waiters { socket.close() } }
    for index in 0..<300 {
      let socket = try RawSocket(port: link.port)
      socket.send(try link.frame(.wait(job: task.job, timeout: 30, items: true)))
      waiters.append(socket)
      // In groups, so that the hub reads each group's requests before more
      // connections come than it holds unproved (64).
      if index % 16 == 15 { Thread.sleep(forTimeInterval: 0.05) }
    }

    // While they wait, another client's requests are answered at once.
    var slowest = 0.0
    var asked = 0
    while Date().timeIntervalSince(started) < 4.5 {
      slowest = max(slowest, try seconds { XCTAssertEqual(try client.engines().count, 2) })
      slowest = max(slowest, try seconds { XCTAssertEqual(try client.queueStatus().engines.count, 2) })
      asked += 2
      Thread.sleep(forTimeInterval: 0.1)
    }
    XCTAssertGreaterThanOrEqual(asked, 6)
    XCTAssertLessThan(slowest, 1, "engines or status took \(slowest) s while 300 clients waited")

    // Each waiter gets the task's value once it is done, not at its timeout.
    for (index, socket) in waiters.enumerated() {
      let reply = try link.reply(on: socket, timeout: 20)
      guard case .job(let status)? = reply.answer else { return XCTFail("waiter \(index): \(reply)") }
      XCTAssertTrue(status.ready, "waiter \(index): \(status)")
      XCTAssertEqual(status.items, [.value(.int(0))], "waiter \(index)")
    }
    let answeredAfter = Date().timeIntervalSince(started)
    XCTAssertLessThan(answeredAfter, 9.5, "the waits were answered at their timeout, not when the task finished")

    // The same 300 wait again on a task that runs 4 s; stop is answered at once.
    let second = try link.submit(.apply(function: "sleepFor", arguments: [.double(4)], targets: [1]))
    for socket in waiters { socket.send(try link.frame(.wait(job: second.job, timeout: 30, items: false))) }
    Thread.sleep(forTimeInterval: 1)
    XCTAssertLessThan(try seconds { XCTAssertEqual(try client.engines().count, 2) }, 1)
    let stopTook = try seconds { try client.stop() }
    stopped = true
    XCTAssertLessThan(stopTook, 1, "stop took \(stopTook) s while 300 clients waited")
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }

  func testALargeRequestDoesNotHoldUpAnotherClient() throws {
    let job = ServedJob(ranks: 3)
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let path = try job.waitUntilServing()
    let link = try SteeringLink(path)
    let client = try Client(connectionFile: path)
    XCTAssertEqual(try client.engines().count, 2)

    // A map of a million items (about 5 MB), and an argument of 25 MB.
    let map = try link.frame(
      .map(
        function: "square", items: (0..<1_000_000).map { .array([.int($0)]) }, chunkSize: 1000,
        ordered: true, targets: nil))
    let values = (0..<2_000_000).map { JSONValue.double(Double($0) + 0.123456789) }
    let argument = try link.frame(.apply(function: "sumArray", arguments: [.array(values)], targets: [0]))
    XCTAssertGreaterThan(map.count, 4 << 20)
    XCTAssertGreaterThan(argument.count, 25 << 20)

    for (name, frame) in [("the 1M-item map", map), ("the 25 MB argument", argument)] {
      let big = BigRequest(link: link, frame: frame)
      var slowest = 0.0
      var asked = 0
      while !big.isDone, asked < 400 {
        slowest = max(slowest, try seconds { XCTAssertEqual(try client.engines().count, 2) })
        asked += 1
        Thread.sleep(forTimeInterval: 0.05)
      }
      let reply = try big.reply(timeout: 120)
      guard case .submitted = reply.answer else { return XCTFail("\(name): \(reply)") }
      XCTAssertGreaterThanOrEqual(asked, 3, "\(name) was answered before it could be measured against")
      XCTAssertLessThan(slowest, 1, "engines took \(slowest) s while the hub took in \(name)")
    }
    XCTAssertEqual(try client.loadBalancedView().map("square", [3], as: Int.self).get(), [9])

    try client.stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }
}

/// One large request sent on a thread of its own; its reply when it comes.
final class BigRequest: @unchecked Sendable {
  // Unchecked: `outcome` is written once by the sending thread before
  // `done` is signalled, and read only after.
  private var outcome: Result<SteeringReply, any Error>?
  private let done = DispatchSemaphore(value: 0)
  private let finished = NSLock()
  private var isFinished = false

  init(link: SteeringLink, frame: [UInt8]) {
    Thread.detachNewThread { [self] in
      outcome = Result { try link.ask(frame: frame, timeout: 120) }
      finished.withLock { isFinished = true }
      done.signal()
    }
  }

  var isDone: Bool { finished.withLock { isFinished } }

  func reply(timeout: Double) throws -> SteeringReply {
    guard done.wait(timeout: .now() + timeout) == .success else {
      throw SteeringError.timedOut("no reply to the large request after \(timeout) s")
    }
    return try outcome!.get()
  }
}
