import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The hub's end of the liveness channel: it tells the hub when an engine's
/// process is gone, which MPI cannot (a receive posted to a dead rank never
/// completes nor fails).
///
/// Each engine keeps one TCP connection to the watch's port (see
/// ``LivenessBeacon``). The kernel closes it the moment the engine's process
/// ends, however it ends, and the watch reads that close as the engine's
/// loss. Heartbeats go both ways every `interval`, so a host that vanishes
/// without closing anything (power, network) is noticed after `timeout`
/// seconds of silence. A crash handler or an atexit handler can send a note
/// just before the process ends; the note names the loss more precisely
/// than the close that follows it.
///
/// The port is open to anyone who can reach the host, so a connection only
/// counts once its first frame is a hello carrying the endpoint's random
/// token and an engine id the watch expects; anything else is closed,
/// without any report.
///
/// One thread (``start()``) runs the watch: it waits in poll(2) on the
/// listening socket and every connection, with a timeout of half the
/// heartbeat interval, and calls `onLost` for each engine lost, at most once
/// per engine, never while holding the watch's lock. `onLost` should return
/// well within `timeout`: while it runs the watch sends no heartbeats, and
/// engines that hear nothing for `timeout` give the hub up.
// Safe: the mutable state shared with callers is in `shared` (a Mutex) or
// atomic; the connections are local to the watch's thread; the rest is set
// in init.
final class LivenessWatch: @unchecked Sendable {
  /// Seconds a new connection has to send its hello.
  static let helloTimeout = 2.0
  /// Connections without a hello held at once; past it the oldest is closed.
  static let strangerLimit = 64
  /// Bytes read from one engine's connection per pass at most (so that a
  /// flood from one cannot starve the others).
  private static let readLimit = 64 << 10

  /// What engines need to connect (broadcast it to them).
  let endpoint: LivenessEndpoint
  let settings: LivenessSettings
  private let onLost: @Sendable (Int, EngineLoss) -> Void
  private let listener: Int32
  private let listenerClosed = Atomic<Bool>(false)
  private let wakeRead: Int32
  private let wakeWrite: Int32
  private let shared: Mutex<Shared>

  private struct Shared {
    /// Engines that may connect, each with the time by which it must
    /// (infinity until the watch starts).
    var expected: [Int: Double] = [:]
    /// Engines with an accepted hello whose connection is open.
    var connected: Set<Int> = []
    /// Lost engines to announce to the others at the next pass.
    var announcements: [Int] = []
    /// Connected engines that will leave: their end is no loss.
    var retired: Set<Int> = []
    /// Engines lost or gone: never reported again; their hellos are refused
    /// until `expect` names them again.
    var finished: Set<Int> = []
    var started = false
    var stopping = false
    var thread: LivenessThread?
  }

  /// Binds the listening socket on every IPv4 interface, at `port` or else
  /// the port in the environment variable `MPIPARALLEL_LIVENESS_PORT` or
  /// else one the kernel picks, and makes a random token. Connections wait
  /// in the kernel's queue until ``start()``; call ``stop()`` when done.
  init(
    engineIDs: [Int], settings: LivenessSettings = LivenessSettings(), port: UInt16? = nil,
    onLost: @escaping @Sendable (Int, EngineLoss) -> Void
  ) throws {
    let chosen = try port ?? Self.portFromEnvironment()
    let (listener, bound) = try LivenessSocket.listen(port: chosen)
    let wake: (read: Int32, write: Int32)
    do { wake = try LivenessSocket.wakePipe() } catch {
      close(listener)
      throw error
    }
    self.listener = listener
    wakeRead = wake.read
    wakeWrite = wake.write
    self.settings = settings
    self.onLost = onLost
    endpoint = LivenessEndpoint(
      addresses: LivenessSocket.interfaceAddresses(), port: bound, token: UInt64.random(in: 1...UInt64.max))
    var state = Shared()
    for id in engineIDs { state.expected[id] = .infinity }
    shared = Mutex(state)
  }

  deinit {
    closeListener()
    close(wakeRead)
    close(wakeWrite)
  }

  private static func portFromEnvironment() throws -> UInt16 {
    guard let value = getenv("MPIPARALLEL_LIVENESS_PORT") else { return 0 }
    let text = String(cString: value)
    if text.isEmpty { return 0 }
    guard let port = UInt16(text) else { throw LivenessError.badPort(text) }
    return port
  }

  // MARK: Callers

  /// Starts the watch's thread; the engines expected so far have `timeout`
  /// seconds from now to connect. Does nothing after the first call or
  /// after ``stop()``.
  func start() {
    shared.withLock { state in
      guard !state.started, !state.stopping else { return }
      state.started = true
      let deadline = MonotonicClock.now() + settings.timeout
      for id in state.expected.keys { state.expected[id] = deadline }
      state.thread = LivenessThread(name: "MPIParallel liveness") { [self] in run() }
    }
  }

  /// Engine `id` will connect (an engine added after the watch was made, or
  /// one that connects again): it has `timeout` seconds from now, or from
  /// ``start()``. Nothing happens while `id` is connected.
  func expect(_ id: Int) {
    shared.withLock { state in
      guard !state.connected.contains(id) else { return }
      state.finished.remove(id)
      state.retired.remove(id)
      state.expected[id] = state.started ? MonotonicClock.now() + settings.timeout : .infinity
    }
  }

  /// Engine `id` will leave: from now on nothing is reported for it (its
  /// close, its silence, and its not connecting are no loss).
  func retire(_ id: Int) {
    shared.withLock { state in
      if state.expected.removeValue(forKey: id) != nil {
        state.finished.insert(id)
      } else if state.connected.contains(id) {
        state.retired.insert(id)
      }
    }
  }

  /// Stops the thread and closes every socket; no `onLost` call starts
  /// after it returns. Called from inside `onLost`, it returns at once and
  /// the thread ends after the callback. Engines still connected hear that
  /// the hub is lost, so a hub that ends normally stops the watch after its
  /// engines said goodbye.
  func stop() {
    let thread = shared.withLock { state in
      state.stopping = true
      return state.thread
    }
    LivenessSocket.wake(wakeWrite)
    if let thread {
      if !thread.isCurrent { thread.join() }
    } else {
      closeListener()
    }
  }

  /// Tells every connected engine that engine `id` is lost (sent from the
  /// watch's thread at its next pass): an engine blocked in a collective
  /// with it gives up instead of waiting forever.
  func announceLoss(of id: Int) {
    shared.withLock { $0.announcements.append(id) }
    LivenessSocket.wake(wakeWrite)
  }

  /// The engines whose hello was accepted and whose connection is open.
  var connectedIDs: Set<Int> { shared.withLock { $0.connected } }

  private func closeListener() {
    if !listenerClosed.exchange(true, ordering: .acquiringAndReleasing) { close(listener) }
  }

  // MARK: The watch's thread

  /// One connection, as the watch's thread sees it.
  private struct Peer {
    let fd: Int32
    /// When it was accepted.
    let since: Double
    /// Set once its hello is accepted.
    var engineID: Int?
    var lastHeard: Double
    /// Bytes of a frame not yet complete.
    var pending: [UInt8] = []
  }

  /// What becomes of a connection after a pass.
  private enum Outcome {
    case keep
    /// Close it; nothing to report (a stranger, a refused hello).
    case drop
    /// Close it; the engine is lost (unless retired).
    case lost(EngineLoss)
    /// Close it; the engine said goodbye.
    case left
  }

  private func run() {
    var peers: [Peer] = []
    var pollers: [pollfd] = []
    var lastBeat = -Double.infinity
    var listenerPausedUntil = -Double.infinity
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    defer {
      buffer.deallocate()
      for peer in peers { close(peer.fd) }
      closeListener()
    }
    let wait = LivenessSocket.milliseconds(settings.interval / 2)
    while true {
      pollers.removeAll(keepingCapacity: true)
      pollers.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
      // A negative descriptor is skipped by poll: the listener rests a
      // moment after an accept failure that does not pass by itself
      // (descriptors exhausted), instead of waking poll at once forever.
      let listening = MonotonicClock.now() >= listenerPausedUntil
      pollers.append(pollfd(fd: listening ? listener : -1, events: Int16(POLLIN), revents: 0))
      for peer in peers { pollers.append(pollfd(fd: peer.fd, events: Int16(POLLIN), revents: 0)) }
      _ = poll(&pollers, nfds_t(pollers.count), wait)
      if pollers[0].revents != 0 { LivenessSocket.drain(wakeRead) }
      if shared.withLock({ $0.stopping }) { return }
      var now = MonotonicClock.now()

      // Read what each connection sent, and apply the timeouts.
      var outcomes = [Outcome](repeating: .keep, count: peers.count)
      for index in peers.indices {
        if pollers[2 + index].revents != 0 {
          outcomes[index] = read(&peers[index], buffer: buffer, now: now)
        }
        guard case .keep = outcomes[index] else { continue }
        if peers[index].engineID != nil {
          let silence = now - peers[index].lastHeard
          if silence > settings.timeout { outcomes[index] = .lost(.silent(seconds: silence)) }
        } else if now - peers[index].since > Self.helloTimeout {
          outcomes[index] = .drop
        }
      }
      var losses = settle(&peers, outcomes)

      // New connections; strangers past the limit go, oldest first.
      if listening && pollers[1].revents != 0 {
        var failed = false
        for _ in 0..<Self.strangerLimit {
          guard let fd = LivenessSocket.accept(listener, failed: &failed) else { break }
          peers.append(Peer(fd: fd, since: now, engineID: nil, lastHeard: now))
        }
        if failed { listenerPausedUntil = now + settings.interval / 2 }
        var strangers = peers.reduce(0) { $0 + ($1.engineID == nil ? 1 : 0) }
        if strangers > Self.strangerLimit {
          peers.removeAll { peer in
            guard peer.engineID == nil, strangers > Self.strangerLimit else { return false }
            strangers -= 1
            close(peer.fd)
            return true
          }
        }
      }

      // Engines that did not connect in time.
      now = MonotonicClock.now()
      shared.withLock { state in
        for (id, deadline) in state.expected where now > deadline {
          state.expected[id] = nil
          state.finished.insert(id)
          losses.append((id, .neverConnected))
        }
      }

      let announcements = shared.withLock { state in
        defer { state.announcements.removeAll() }
        return state.announcements
      }
      for id in announcements {
        for peer in peers where peer.engineID != nil && peer.engineID != id {
          LivenessSocket.send(LivenessFrame(.peerLost, UInt64(truncatingIfNeeded: id)), on: peer.fd)
        }
      }

      // Heartbeats (before the reports, which may take a while).
      if now - lastBeat >= settings.interval {
        lastBeat = now
        for peer in peers where peer.engineID != nil { LivenessSocket.send(.heartbeat, on: peer.fd) }
      }

      for (id, loss) in losses {
        if shared.withLock({ $0.stopping }) { return }
        onLost(id, loss)
      }
    }
  }

  /// Reads what `peer` sent; what becomes of it.
  private func read(_ peer: inout Peer, buffer: UnsafeMutableRawBufferPointer, now: Double) -> Outcome {
    guard peer.engineID != nil else { return readHello(&peer, buffer: buffer, now: now) }
    var total = 0
    while total < Self.readLimit {
      switch LivenessSocket.receive(peer.fd, into: buffer) {
      case .nothing:
        return .keep
      case .closed:
        return .lost(.closed)
      case .bytes(let count):
        total += count
        peer.lastHeard = now
        peer.pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        var start = 0
        defer { peer.pending.removeFirst(start) }
        while peer.pending.count - start >= LivenessFrame.size {
          let frame = peer.pending.withUnsafeBytes {
            LivenessFrame(UnsafeRawBufferPointer(rebasing: $0[start..<(start + LivenessFrame.size)]))
          }
          start += LivenessFrame.size
          switch frame?.kind {
          case .crash?, .exit?:
            if let loss = frame?.loss { return .lost(loss) }
          case .goodbye?:
            return .left
          default:
            // Heartbeats, and frames an engine should not send, which an
            // engine of another version might: the bytes showed it alive.
            break
          }
        }
      }
    }
    return .keep
  }

  /// Reads a stranger's first frame, which must be a hello with the token
  /// and an engine id the watch expects.
  private func readHello(_ peer: inout Peer, buffer: UnsafeMutableRawBufferPointer, now: Double) -> Outcome {
    let wanted = LivenessFrame.size - peer.pending.count
    switch LivenessSocket.receive(peer.fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
    {
    case .nothing:
      return .keep
    case .closed:
      return .drop
    case .bytes(let count):
      peer.pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
    guard peer.pending.count == LivenessFrame.size else { return .keep }
    defer { peer.pending.removeAll() }
    guard let hello = LivenessFrame(peer.pending), hello.kind == .hello, hello.first == endpoint.token
    else { return .drop }
    let id = hello.engineID
    let refusal: LivenessFrame.RefusalReason? = shared.withLock { state in
      if state.connected.contains(id) { return .alreadyConnected }
      if state.expected.removeValue(forKey: id) != nil {
        state.connected.insert(id)
        return nil
      }
      return state.finished.contains(id) ? .alreadyGone : .unknownEngine
    }
    if let refusal {
      LivenessSocket.send(.refused(refusal, engineID: id), on: peer.fd)
      return .drop
    }
    peer.engineID = id
    peer.lastHeard = now
    LivenessSocket.send(.welcome(token: endpoint.token, engineID: id), on: peer.fd)
    return .keep
  }

  /// Closes the connections whose outcome is not `keep`; returns the losses
  /// to report.
  private func settle(_ peers: inout [Peer], _ outcomes: [Outcome]) -> [(Int, EngineLoss)] {
    var losses: [(Int, EngineLoss)] = []
    var kept: [Peer] = []
    kept.reserveCapacity(peers.count)
    for (peer, outcome) in zip(peers, outcomes) {
      let loss: EngineLoss?
      switch outcome {
      case .keep:
        kept.append(peer)
        continue
      case .drop: loss = nil
      case .left: loss = nil
      case .lost(let what): loss = what
      }
      close(peer.fd)
      guard let id = peer.engineID else { continue }
      let report = shared.withLock { state in
        state.connected.remove(id)
        state.finished.insert(id)
        return state.retired.remove(id) == nil
      }
      if report, let loss { losses.append((id, loss)) }
    }
    peers = kept
    return losses
  }
}
