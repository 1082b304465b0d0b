import Synchronization
import XCTest

@testable import MPIParallel

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The liveness channel in one process over 127.0.0.1: a watch, beacons for
/// its engines, and strangers made of raw sockets. Short settings keep each
/// test to a few seconds; every wait has a deadline.
final class LivenessTests: XCTestCase {
  let settings = LivenessSettings(interval: 0.05, timeout: 0.5, connectTimeout: 1)

  /// The losses a watch reported, in order, and what beacons said of the hub.
  final class Log: Sendable {
    private let entries = Mutex<[(Int, EngineLoss)]>([])
    private let hubReasons = Mutex<[String]>([])
    var losses: [(Int, EngineLoss)] { entries.withLock { $0 } }
    var hubLost: [String] { hubReasons.withLock { $0 } }
    func lost(_ id: Int, _ loss: EngineLoss) { entries.withLock { $0.append((id, loss)) } }
    func hubLost(_ reason: String) { hubReasons.withLock { $0.append(reason) } }
  }

  /// Polls `condition` every 5 ms until it holds (true) or `seconds` pass (false).
  func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicClock.now() + seconds
    while MonotonicClock.now() < deadline {
      if condition() { return true }
      MonotonicClock.sleep(0.005)
    }
    return condition()
  }

  func makeWatch(_ ids: [Int], _ log: Log) throws -> LivenessWatch {
    try LivenessWatch(engineIDs: ids, settings: settings, port: 0) { id, loss in log.lost(id, loss) }
  }

  /// The watch's endpoint reduced to loopback, so that tests do not depend
  /// on the host's interfaces.
  func loopback(_ watch: LivenessWatch) -> LivenessEndpoint {
    LivenessEndpoint(addresses: ["127.0.0.1"], port: watch.endpoint.port, token: watch.endpoint.token)
  }

  func beacon(_ id: Int, _ watch: LivenessWatch, _ log: Log) throws -> LivenessBeacon {
    try LivenessBeacon.start(endpoint: loopback(watch), engineID: id, settings: settings) { log.hubLost($0) }
  }

  /// A raw connection to the watch's port.
  func stranger(_ watch: LivenessWatch) throws -> Int32 {
    try LivenessSocket.connect(to: "127.0.0.1", port: watch.endpoint.port, timeout: 1).get()
  }

  /// Whether the peer of `fd` closed it within `seconds` (checked at least
  /// once; bytes it sends meanwhile are read and dropped).
  func closedByPeer(_ fd: Int32, within seconds: Double) -> Bool {
    var bytes = [UInt8](repeating: 0, count: 256)
    let deadline = MonotonicClock.now() + seconds
    while true {
      let count = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
      if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return true
      }
      let left = deadline - MonotonicClock.now()
      if left <= 0 { return false }
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      _ = poll(&poller, 1, LivenessSocket.milliseconds(min(left, 0.01)))
    }
  }

  func send(_ bytes: [UInt8], on fd: Int32) {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes {
        Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { return }
      offset += sent
    }
  }

  // MARK: Encoding

  func testEndpointRoundTripsAndListsLoopbackLast() throws {
    let watch = try makeWatch([1], Log())
    defer { watch.stop() }
    let endpoint = watch.endpoint
    XCTAssertEqual(endpoint.addresses.last, "127.0.0.1")
    XCTAssertEqual(endpoint.addresses.filter { $0 == "127.0.0.1" }.count, 1)
    XCTAssertNotEqual(endpoint.port, 0)
    XCTAssertEqual(try LivenessEndpoint(decoding: endpoint.encoded()), endpoint)

    let made = LivenessEndpoint(addresses: ["10.1.2.3", "127.0.0.1"], port: 4242, token: .max)
    let bytes = made.encoded()
    XCTAssertEqual(try LivenessEndpoint(decoding: bytes), made)
    for cut in 0..<bytes.count {
      XCTAssertThrowsError(try LivenessEndpoint(decoding: Array(bytes[..<cut])), "cut at \(cut)")
    }
    XCTAssertThrowsError(try LivenessEndpoint(decoding: bytes + [0]))
    var otherVersion = bytes
    otherVersion[0] = 9
    XCTAssertThrowsError(try LivenessEndpoint(decoding: otherVersion))
    var hugeCount = bytes
    hugeCount.replaceSubrange(11..<15, with: [0xFF, 0xFF, 0xFF, 0xFF])
    XCTAssertThrowsError(try LivenessEndpoint(decoding: hugeCount))
  }

  func testFramesRoundTripAndNotesDecodeToLosses() {
    let frames: [LivenessFrame] = [
      .hello(token: 0xDEAD_BEEF, engineID: 3), .welcome(token: 1, engineID: 4),
      .refused(.alreadyConnected, engineID: 5), .heartbeat, .crash(signal: 11, taskID: 7),
      .exit(taskID: 7), .goodbye,
    ]
    for frame in frames {
      XCTAssertEqual(frame.bytes.count, LivenessFrame.size)
      XCTAssertEqual(LivenessFrame(frame.bytes), frame)
    }
    XCTAssertEqual(LivenessFrame.hello(token: 9, engineID: 3).engineID, 3)
    XCTAssertEqual(LivenessFrame.exit(taskID: 7).bytes, [6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    XCTAssertEqual(LivenessFrame.exit(taskID: 7).loss, .exited(taskID: 7))
    XCTAssertEqual(LivenessFrame.exit(taskID: -1).loss, .exited(taskID: nil))
    XCTAssertEqual(LivenessFrame.crash(signal: 11, taskID: 7).loss, .crashed(signal: 11, taskID: 7))
    XCTAssertEqual(LivenessFrame.crash(signal: 6, taskID: -1).loss, .crashed(signal: 6, taskID: nil))
    XCTAssertNil(LivenessFrame.heartbeat.loss)
    XCTAssertNil(LivenessFrame([0] + [UInt8](repeating: 0, count: 16)), "kind 0 is no frame")
    XCTAssertNil(LivenessFrame([UInt8](repeating: 4, count: 16)), "16 bytes are no frame")
    // Any 17 bytes decode without trapping, whatever the numbers.
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let bytes = (0..<17).map { _ in UInt8.random(in: 0...255, using: &generator) }
      _ = LivenessFrame(bytes).map { ($0.loss, $0.engineID, $0.bytes) }
    }
    let extremes = LivenessFrame(.crash, .max, .max)
    XCTAssertEqual(extremes.loss, .crashed(signal: -1, taskID: nil))
  }

  func testLossesDescribeThemselves() {
    XCTAssertEqual(EngineLoss.closed.description, "its process died (connection closed)")
    XCTAssertEqual(EngineLoss.silent(seconds: 5).description, "no heartbeat for 5.0 s")
    XCTAssertEqual(
      EngineLoss.crashed(signal: 11, taskID: 7).description,
      "it died of signal 11 (SIGSEGV) while running task 7")
    XCTAssertEqual(EngineLoss.exited(taskID: 7).description, "it called exit while running task 7")
    XCTAssertEqual(EngineLoss.exited(taskID: nil).description, "it called exit between tasks")
  }

  // MARK: Engines

  func testAbandonedEngineIsReportedClosedAndTheOtherStays() throws {
    let log = Log()
    let watch = try makeWatch([1, 2], log)
    watch.start()
    defer { watch.stop() }
    let first = try beacon(1, watch, log)
    let second = try beacon(2, watch, log)
    defer { second.goodbye() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1, 2] }, "\(watch.connectedIDs)")
    let abandoned = MonotonicClock.now()
    first.abandon()
    XCTAssertTrue(eventually { !log.losses.isEmpty })
    XCTAssertLessThan(MonotonicClock.now() - abandoned, 0.5)
    MonotonicClock.sleep(0.6)  // past the timeout: the other engine stays
    XCTAssertEqual(log.losses.map(\.0), [1])
    XCTAssertEqual(log.losses.first?.1, .closed)
    XCTAssertEqual(watch.connectedIDs, [2])
    XCTAssertEqual(log.hubLost, [])
  }

  func testEngineWithoutHeartbeatsIsReportedSilent() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    defer { engine.abandon() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    let paused = MonotonicClock.now()
    engine.pauseHeartbeats()
    XCTAssertTrue(eventually { !log.losses.isEmpty })
    let elapsed = MonotonicClock.now() - paused
    XCTAssertGreaterThan(elapsed, 0.4)
    XCTAssertLessThan(elapsed, 2)
    guard case .silent(let seconds)? = log.losses.first?.1, log.losses.first?.0 == 1 else {
      return XCTFail("\(log.losses)")
    }
    XCTAssertGreaterThan(seconds, settings.timeout)
    XCTAssertEqual(watch.connectedIDs, [])
  }

  func testCrashNoteThenCloseIsReportedCrashed() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    XCTAssertTrue(LivenessBeacon.current === engine)
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    // What the crash handler does, then what the kernel does for the dead process.
    LivenessBeacon.noteCrash(signal: 11, taskID: 7)
    engine.abandon()
    XCTAssertNil(LivenessBeacon.current)
    XCTAssertTrue(eventually { !log.losses.isEmpty })
    MonotonicClock.sleep(0.2)
    XCTAssertEqual(log.losses.map(\.0), [1])
    XCTAssertEqual(log.losses.first?.1, .crashed(signal: 11, taskID: 7))
    XCTAssertEqual(log.hubLost, [])
  }

  func testCrashNoteIsReportedBeforeTheConnectionCloses() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    defer { engine.abandon() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    LivenessBeacon.noteCrash(signal: SIGABRT, taskID: -1)
    XCTAssertTrue(eventually(within: 1) { !log.losses.isEmpty })
    XCTAssertEqual(log.losses.first?.1, .crashed(signal: SIGABRT, taskID: nil))
    // The hub closes its end; a dying engine does not hear of it.
    MonotonicClock.sleep(0.2)
    XCTAssertEqual(log.hubLost, [])
  }

  func testExitNoteIsReportedExited() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    // What the atexit handler does, then the process's end.
    engine.sendExitNote(taskID: 7)
    engine.abandon()
    XCTAssertTrue(eventually { !log.losses.isEmpty })
    MonotonicClock.sleep(0.2)
    XCTAssertEqual(log.losses.map(\.0), [1])
    XCTAssertEqual(log.losses.first?.1, .exited(taskID: 7))
  }

  func testTheExitNotesTaskProviderDefaultsToNone() {
    XCTAssertEqual(LivenessBeacon.runningTaskID(), -1)
  }

  func testGoodbyeIsNoLoss() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    engine.goodbye()
    XCTAssertNil(LivenessBeacon.current)
    XCTAssertTrue(eventually { watch.connectedIDs.isEmpty })
    MonotonicClock.sleep(2 * settings.timeout)
    XCTAssertEqual(log.losses.count, 0, "\(log.losses)")
    XCTAssertEqual(log.hubLost, [])
  }

  func testTheHubsLossAnnouncementReachesTheOtherEngines() throws {
    let log = Log()
    let watch = try makeWatch([1, 2], log)
    watch.start()
    defer { watch.stop() }
    let first = try beacon(1, watch, log)
    defer { first.goodbye() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    let before = LivenessBeacon.lostPeerCount.load(ordering: .acquiring)
    watch.announceLoss(of: 2)
    XCTAssertTrue(eventually { LivenessBeacon.lostPeerCount.load(ordering: .acquiring) > before })
    XCTAssertTrue(LivenessBeacon.lostPeers.contains(2))
    XCTAssertFalse(LivenessBeacon.lostPeers.contains(1))
  }

  func testRetiredEngineIsNoLoss() throws {
    let log = Log()
    let watch = try makeWatch([1, 2], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    watch.retire(1)
    watch.retire(2)  // expected, never connects: not reported either
    engine.abandon()
    XCTAssertTrue(eventually { watch.connectedIDs.isEmpty })
    MonotonicClock.sleep(2 * settings.timeout)
    XCTAssertEqual(log.losses.count, 0, "\(log.losses)")
  }

  func testExpectedEngineThatNeverConnectsIsReported() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    let started = MonotonicClock.now()
    watch.start()
    defer { watch.stop() }
    XCTAssertTrue(eventually { log.losses.count == 1 })
    XCTAssertGreaterThan(MonotonicClock.now() - started, 0.4)
    XCTAssertEqual(log.losses.first?.0, 1)
    XCTAssertEqual(log.losses.first?.1, .neverConnected)
    // An engine added later has the timeout from `expect`; one that
    // connects in time is not reported.
    watch.expect(5)
    watch.expect(6)
    let late = try beacon(6, watch, log)
    defer { late.goodbye() }
    XCTAssertTrue(eventually { log.losses.count == 2 })
    MonotonicClock.sleep(0.2)
    XCTAssertEqual(log.losses.map(\.0), [1, 5])
    XCTAssertEqual(log.losses.last?.1, .neverConnected)
    XCTAssertEqual(watch.connectedIDs, [6])
    // The lost engine is refused when it turns up after all.
    XCTAssertThrowsError(try beacon(5, watch, log)) { error in
      guard case LivenessError.refused(5, _)? = error as? LivenessError else { return XCTFail("\(error)") }
    }
  }

  func testEngineConnectsThroughTheFullEndpoint() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try LivenessBeacon.start(endpoint: watch.endpoint, engineID: 1, settings: settings) {
      log.hubLost($0)
    }
    defer { engine.goodbye() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
  }

  // MARK: Strangers

  func testStrangersAreClosedAndChangeNothing() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    defer { engine.goodbye() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })

    // A wrong token is closed at once, with no answer.
    let wrongToken = try stranger(watch)
    defer { close(wrongToken) }
    send(LivenessFrame.hello(token: watch.endpoint.token &+ 1, engineID: 2).bytes, on: wrongToken)
    XCTAssertTrue(closedByPeer(wrongToken, within: 1))
    var wrong = loopback(watch)
    wrong.token &+= 1
    XCTAssertThrowsError(try LivenessBeacon.start(endpoint: wrong, engineID: 2, settings: settings) { _ in })

    // A second hello for a connected engine is refused; the first stays.
    XCTAssertThrowsError(try beacon(1, watch, log)) { error in
      guard case LivenessError.refused(1, _)? = error as? LivenessError else { return XCTFail("\(error)") }
    }
    // So is an engine the hub does not expect.
    XCTAssertThrowsError(try beacon(99, watch, log)) { error in
      guard case LivenessError.refused(99, _)? = error as? LivenessError else { return XCTFail("\(error)") }
    }

    // Random bytes are closed at once.
    let noisy = try stranger(watch)
    defer { close(noisy) }
    var generator = SystemRandomNumberGenerator()
    send((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }, on: noisy)
    XCTAssertTrue(closedByPeer(noisy, within: 1))

    // A hello cut short, then silence: closed after the hello timeout.
    let silent = try stranger(watch)
    defer { close(silent) }
    let connected = MonotonicClock.now()
    send(Array(LivenessFrame.hello(token: watch.endpoint.token, engineID: 2).bytes[..<10]), on: silent)
    XCTAssertTrue(closedByPeer(silent, within: 5))
    let held = MonotonicClock.now() - connected
    XCTAssertGreaterThan(held, LivenessWatch.helloTimeout - 0.2)
    XCTAssertLessThan(held, LivenessWatch.helloTimeout + 1)

    XCTAssertEqual(watch.connectedIDs, [1])
    XCTAssertEqual(log.losses.count, 0, "\(log.losses)")
    XCTAssertEqual(log.hubLost, [])
    // Engine 2, whose id the strangers used, connects once expected.
    watch.expect(2)
    let second = try beacon(2, watch, log)
    defer { second.goodbye() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1, 2] })
  }

  func testTheOldestStrangersGoPastTheLimit() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    defer { watch.stop() }
    let engine = try beacon(1, watch, log)
    defer { engine.goodbye() }
    var strangers: [Int32] = []
    defer { for fd in strangers { close(fd) } }
    let extra = 6
    for _ in 0..<(LivenessWatch.strangerLimit + extra) {
      strangers.append(try stranger(watch))
      MonotonicClock.sleep(0.001)
    }
    // Well before the hello timeout, exactly the oldest few are closed.
    XCTAssertTrue(
      eventually(within: 1.5) { strangers.filter { closedByPeer($0, within: 0) }.count >= extra })
    let gone = strangers.indices.filter { closedByPeer(strangers[$0], within: 0) }
    XCTAssertEqual(gone, Array(0..<extra))
    XCTAssertEqual(watch.connectedIDs, [1])
    XCTAssertEqual(log.losses.count, 0)
  }

  // MARK: The hub

  func testBeaconHearsTheHubStop() throws {
    let log = Log()
    let watch = try makeWatch([1], log)
    watch.start()
    let engine = try beacon(1, watch, log)
    defer { engine.abandon() }
    XCTAssertTrue(eventually { watch.connectedIDs == [1] })
    watch.stop()
    XCTAssertTrue(eventually(within: 1) { log.hubLost.count == 1 })
    MonotonicClock.sleep(0.2)
    // A close, or a reset when the engine's last heartbeats were still unread.
    XCTAssertEqual(log.hubLost.count, 1)
    XCTAssertTrue(
      log.hubLost.first == "the hub closed the liveness connection"
        || log.hubLost.first?.hasPrefix("the hub's liveness connection failed") == true, "\(log.hubLost)")
    XCTAssertEqual(log.losses.count, 0, "no report after stop")
  }

  func testBeaconHearsASilentHub() throws {
    // A stand-in hub that welcomes the engine and then says nothing.
    let (listener, port) = try LivenessSocket.listen(port: 0)
    defer { close(listener) }
    let endpoint = LivenessEndpoint(addresses: ["127.0.0.1"], port: port, token: 42)
    let hub = Thread {
      var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      _ = poll(&poller, 1, 5000)
      var failed = false
      guard let fd = LivenessSocket.accept(listener, failed: &failed) else { return }
      if case .success(let hello) = LivenessSocket.receiveFrame(fd, before: MonotonicClock.now() + 5) {
        LivenessSocket.send(.welcome(token: hello.first, engineID: hello.engineID), on: fd)
      }
      MonotonicClock.sleep(3)
      close(fd)
    }
    hub.start()
    let log = Log()
    let started = MonotonicClock.now()
    let engine = try LivenessBeacon.start(endpoint: endpoint, engineID: 3, settings: settings) {
      log.hubLost($0)
    }
    defer { engine.abandon() }
    XCTAssertTrue(eventually(within: 2) { log.hubLost.count == 1 })
    XCTAssertGreaterThan(MonotonicClock.now() - started, 0.4)
    XCTAssertTrue(log.hubLost.first?.hasPrefix("no heartbeat from the hub for") ?? false, "\(log.hubLost)")
  }

  func testStopInsideTheCallbackDoesNotWaitForItself() throws {
    final class Shared: Sendable {
      let watch = Mutex<LivenessWatch?>(nil)
      let calls = Mutex(0)
    }
    let shared = Shared()
    let watch = try LivenessWatch(engineIDs: [1, 2], settings: settings, port: 0) { _, _ in
      shared.calls.withLock { $0 += 1 }
      shared.watch.withLock { $0 }?.stop()
    }
    shared.watch.withLock { $0 = watch }
    watch.start()
    // Neither engine connects; the first report stops the watch, which
    // makes no second one.
    XCTAssertTrue(eventually { shared.calls.withLock { $0 } >= 1 })
    MonotonicClock.sleep(0.3)
    XCTAssertEqual(shared.calls.withLock { $0 }, 1)
    watch.stop()
    shared.watch.withLock { $0 = nil }
  }

  func testABadPortInTheEnvironmentIsRefused() {
    setenv("MPIPARALLEL_LIVENESS_PORT", "port", 1)
    defer { unsetenv("MPIPARALLEL_LIVENESS_PORT") }
    XCTAssertThrowsError(try LivenessWatch(engineIDs: [], onLost: { _, _ in })) { error in
      XCTAssertEqual(error as? LivenessError, .badPort("port"))
    }
  }
}
