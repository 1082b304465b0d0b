import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// An engine's end of the liveness channel (see ``LivenessWatch``): one TCP
/// connection to the hub that the kernel closes when the engine's process
/// ends, however it ends. (The socket closes on exec, so programs a task
/// runs do not hold it open; a child forked without exec would.)
///
/// Its thread sends a heartbeat every `interval` and watches the hub's: when
/// the hub closes the connection or says nothing for `timeout` seconds, it
/// calls `onHubLost` once, with the reason, and ends. The thread makes no
/// MPI call, so it keeps going while the engine's main thread is busy in a
/// task or blocked in MPI.
///
/// Three ways out tell the hub more than the close alone:
/// - ``noteCrash(signal:taskID:)`` from the engine's crash signal handler
///   (async-signal-safe), before the handler re-raises the signal;
/// - the atexit handler of ``installExitNote(runningTaskID:)``, for a
///   process that calls `exit` in the middle of its work;
/// - ``goodbye()`` for a clean leave, after which the hub reports nothing.
///
/// After any of them the beacon no longer reports the hub lost: the engine
/// is on its way out, and a report would only disturb it.
// Safe: the mutable state shared between callers and the beacon's thread is
// in `state` (a Mutex) or atomic; the rest is set in init.
final class LivenessBeacon: @unchecked Sendable {
  let engineID: Int
  let settings: LivenessSettings
  private let fd: Int32
  private let onHubLost: @Sendable (String) -> Void
  private let wakeRead: Int32
  private let wakeWrite: Int32
  private let paused = Atomic<Bool>(false)
  private let state = Mutex(State())

  private struct State {
    /// Whether `fd` is still open.
    var open = true
    /// Whether a note or goodbye went out (or the beacon was abandoned): the
    /// hub's end is then no news.
    var leaving = false
    /// Whether the thread should end.
    var stopping = false
    var thread: LivenessThread?
  }

  /// What the process's atexit handler needs.
  private struct Registry {
    var current: LivenessBeacon?
    var runningTaskID: @Sendable () -> Int = { -1 }
    var exitNoteInstalled = false
  }

  private static let registry = Mutex(Registry())
  /// The connection ``noteCrash(signal:taskID:)`` writes to (-1: none): an
  /// atomic integer, which a signal handler may read (no lock, no allocation).
  private static let crashDescriptor = Atomic<Int32>(-1)
  /// Set by ``noteCrash(signal:taskID:)``: the process is dying, and no
  /// beacon reports the hub lost any more.
  private static let processDying = Atomic<Bool>(false)
  /// Engines the hub announced lost, and how many announcements came (a
  /// waiter compares the count, cheap, before it reads the set).
  private static let lostPeerSet = Mutex(Set<Int>())
  static let lostPeerCount = Atomic<Int>(0)

  /// The engines the hub announced lost.
  static var lostPeers: Set<Int> { lostPeerSet.withLock { $0 } }

  private init(
    fd: Int32, wake: (read: Int32, write: Int32), engineID: Int, settings: LivenessSettings,
    onHubLost: @escaping @Sendable (String) -> Void
  ) {
    self.fd = fd
    (wakeRead, wakeWrite) = wake
    self.engineID = engineID
    self.settings = settings
    self.onHubLost = onHubLost
  }

  deinit {
    if state.withLock({ $0.open }) { closeConnection() }
    close(wakeRead)
    close(wakeWrite)
  }

  // MARK: Starting

  /// Connects to the first address of `endpoint` that answers (waiting
  /// `connectTimeout` for each), sends the hello (the token and the engine
  /// id), waits up to `timeout` for the hub's welcome, and starts the
  /// beacon's thread. The beacon becomes the process's ``current`` one.
  ///
  /// Throws ``LivenessError/refused(engineID:reason:)`` when the hub
  /// refuses the engine, and ``LivenessError/unreachable(_:)`` (with what
  /// went wrong at each address) when no address leads to the hub.
  static func start(
    endpoint: LivenessEndpoint, engineID: Int, settings: LivenessSettings = LivenessSettings(),
    onHubLost: @escaping @Sendable (String) -> Void
  ) throws -> LivenessBeacon {
    var reasons: [String] = []
    for address in endpoint.addresses {
      let place = "\(address):\(endpoint.port)"
      let fd: Int32
      switch LivenessSocket.connect(to: address, port: endpoint.port, timeout: settings.connectTimeout) {
      case .success(let connected): fd = connected
      case .failure(let error):
        reasons.append(Self.reason(error, at: place))
        continue
      }
      guard LivenessSocket.send(.hello(token: endpoint.token, engineID: engineID), on: fd) else {
        reasons.append("\(place): the hello could not be sent: \(LivenessSocket.lastError())")
        close(fd)
        continue
      }
      switch LivenessSocket.receiveFrame(fd, before: MonotonicClock.now() + settings.timeout) {
      case .success(let frame)
      where frame.kind == .welcome && frame.first == endpoint.token && frame.engineID == engineID:
        let wake: (read: Int32, write: Int32)
        do { wake = try LivenessSocket.wakePipe() } catch {
          close(fd)
          throw error
        }
        let beacon = LivenessBeacon(
          fd: fd, wake: wake, engineID: engineID, settings: settings, onHubLost: onHubLost)
        beacon.begin()
        return beacon
      case .success(let frame) where frame.kind == .refused:
        close(fd)
        let reason =
          LivenessFrame.RefusalReason(rawValue: frame.first)?.description ?? "reason \(frame.first)"
        throw LivenessError.refused(engineID: engineID, reason: reason)
      case .success(let frame):
        reasons.append("\(place): answered the hello with a \(frame.kind) frame")
        close(fd)
      case .failure(let error):
        reasons.append(Self.reason(error, at: place))
        close(fd)
      }
    }
    throw LivenessError.unreachable(reasons)
  }

  private static func reason(_ error: LivenessError, at place: String) -> String {
    if case .unreachable(let reasons) = error {
      return reasons.map { $0.hasPrefix(place) ? $0 : "\(place): \($0)" }.joined(separator: "; ")
    }
    return "\(place): \(error)"
  }

  /// Makes the beacon the process's current one and starts its thread.
  private func begin() {
    Self.processDying.store(false, ordering: .relaxed)
    Self.crashDescriptor.store(fd, ordering: .releasing)
    Self.registry.withLock { $0.current = self }
    state.withLock { state in
      state.thread = LivenessThread(name: "MPIParallel beacon") { [self] in run() }
    }
  }

  // MARK: The process's beacon

  /// The beacon the process started last and has not closed (the one the
  /// crash and exit notes go to).
  static var current: LivenessBeacon? { registry.withLock { $0.current } }

  /// Sends a crash note (`signal`, and `taskID`, -1 for none) on the current
  /// beacon's connection with one `send(2)`, which raises no SIGPIPE.
  ///
  /// Async-signal-safe: no allocation and no lock, only atomic loads and
  /// stores and a frame built on the stack. Call it from the engine's crash
  /// signal handler before the handler re-raises the signal. (The atomics
  /// are made on first use; ``start(endpoint:engineID:settings:onHubLost:)``
  /// and ``installExitNote(runningTaskID:)`` use them, so a handler
  /// installed after either never makes them.) The hub reports
  /// the engine lost when the note arrives, without waiting for the close
  /// (a core dump can hold the connection open for long).
  static func noteCrash(signal: Int32, taskID: Int) {
    processDying.store(true, ordering: .relaxed)
    let fd = crashDescriptor.load(ordering: .acquiring)
    guard fd >= 0 else { return }
    var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    withUnsafeMutableBytes(of: &storage) { raw in
      LivenessFrame.store(
        .crash, UInt64(UInt32(bitPattern: signal)), UInt64(truncatingIfNeeded: taskID), into: raw.baseAddress!
      )
      _ = send(fd, raw.baseAddress!, LivenessFrame.size, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
    }
  }

  /// What the atexit handler asks for the task running as the process
  /// exits (-1: none). ``installExitNote(runningTaskID:)`` sets it.
  static var runningTaskID: @Sendable () -> Int {
    get { registry.withLock { $0.runningTaskID } }
    set { registry.withLock { $0.runningTaskID = newValue } }
  }

  /// Registers, once per process, an atexit handler that sends an exit note
  /// (with the task `runningTaskID` names) on the current beacon, unless it
  /// said goodbye or noted a crash; a later call only replaces the provider.
  /// The hub then reports `.exited(taskID:)` instead of a bare close.
  static func installExitNote(runningTaskID: @escaping @Sendable () -> Int) {
    _ = (crashDescriptor.load(ordering: .relaxed), processDying.load(ordering: .relaxed))
    let install = registry.withLock { registry in
      registry.runningTaskID = runningTaskID
      defer { registry.exitNoteInstalled = true }
      return !registry.exitNoteInstalled
    }
    if install { atexit { LivenessBeacon.noteExit() } }
  }

  /// The atexit handler.
  private static func noteExit() {
    let (beacon, runningTaskID) = registry.withLock { ($0.current, $0.runningTaskID) }
    guard let beacon, !processDying.load(ordering: .relaxed) else { return }
    beacon.sendExitNote(taskID: runningTaskID())
  }

  /// Sends an exit note for `taskID` (-1: none) unless a note or goodbye
  /// went first; from then on the beacon reports nothing. The process is
  /// expected to end next (the atexit handler calls it).
  func sendExitNote(taskID: Int) {
    state.withLock { state in
      guard state.open, !state.leaving else { return }
      state.leaving = true
      LivenessSocket.send(.exit(taskID: taskID), on: fd)
    }
  }

  // MARK: Leaving

  /// A clean leave: sends a goodbye (unless a note went first), stops the
  /// thread and closes the connection. The hub reports no loss for the engine.
  func goodbye() {
    state.withLock { state in
      if state.open && !state.leaving { LivenessSocket.send(.goodbye, on: fd) }
      state.leaving = true
    }
    finish()
  }

  /// Stops sending heartbeats but keeps the connection open, as a host that
  /// vanished would (for tests).
  func pauseHeartbeats() {
    paused.store(true, ordering: .relaxed)
  }

  /// Stops the thread and closes the connection with nothing said, as the
  /// kernel does for a killed process (for tests).
  func abandon() {
    state.withLock { $0.leaving = true }
    finish()
  }

  /// Stops the thread (unless called on it), closes the connection, and
  /// stops being the process's current beacon.
  private func finish() {
    let thread = state.withLock { state in
      state.stopping = true
      return state.thread
    }
    LivenessSocket.wake(wakeWrite)
    if let thread, !thread.isCurrent { thread.join() }
    closeConnection()
    Self.registry.withLock { registry in
      if registry.current === self { registry.current = nil }
    }
  }

  private func closeConnection() {
    state.withLock { state in
      guard state.open else { return }
      state.open = false
      // The crash handler must not write to the number once another file may reuse it.
      _ = Self.crashDescriptor.compareExchange(expected: fd, desired: -1, ordering: .acquiringAndReleasing)
      close(fd)
    }
  }

  // MARK: The beacon's thread

  private func run() {
    var lastHeard = MonotonicClock.now()
    var lastSent = -Double.infinity
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1024, alignment: 8)
    defer { buffer.deallocate() }
    // Bytes of a frame from the hub not yet complete.
    var pending: [UInt8] = []
    let wait = LivenessSocket.milliseconds(settings.interval / 2)
    while true {
      var pollers = [
        pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
        pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
      ]
      _ = poll(&pollers, 2, wait)
      if pollers[1].revents != 0 { LivenessSocket.drain(wakeRead) }
      if state.withLock({ $0.stopping }) { return }
      let now = MonotonicClock.now()
      var lost: String?
      if pollers[0].revents != 0 {
        reading: while true {
          switch LivenessSocket.receive(fd, into: buffer) {
          case .bytes(let count):
            // Any byte from the hub shows it alive; only loss announcements need reading.
            lastHeard = now
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            var start = 0
            while pending.count - start >= LivenessFrame.size {
              let frame = pending.withUnsafeBytes {
                LivenessFrame(UnsafeRawBufferPointer(rebasing: $0[start..<(start + LivenessFrame.size)]))
              }
              start += LivenessFrame.size
              if let frame, frame.kind == .peerLost {
                let id = Int(truncatingIfNeeded: frame.first)
                Self.lostPeerSet.withLock { _ = $0.insert(id) }
                Self.lostPeerCount.add(1, ordering: .releasing)
              }
            }
            pending.removeFirst(start)
          case .nothing:
            break reading
          case .closed(let reason):
            lost =
              reason.map { "the hub's liveness connection failed: \($0)" }
              ?? "the hub closed the liveness connection"
            break reading
          }
        }
      }
      if lost == nil && now - lastHeard > settings.timeout {
        lost = "no heartbeat from the hub for \(((now - lastHeard) * 10).rounded() / 10) s"
      }
      if lost == nil && !paused.load(ordering: .relaxed) && now - lastSent >= settings.interval {
        lastSent = now
        LivenessSocket.send(.heartbeat, on: fd)
      }
      if let lost {
        let report = state.withLock { state in
          defer { state.leaving = true }
          return !state.leaving && !state.stopping
        }
        if report && !Self.processDying.load(ordering: .relaxed) { onHubLost(lost) }
        return
      }
    }
  }
}
