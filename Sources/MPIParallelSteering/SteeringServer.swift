import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The hub's steering endpoint: a TCP listener (SwiftNIO) that reads signed
/// frames, refuses what is unsigned, wrongly signed, replayed, oversized,
/// malformed or stalled, and hands each good request to the backend. The
/// event loop only moves bytes and opens small frames; answers are computed
/// on the threads of `SteeringLanes`, a large frame is opened there too,
/// and a `wait` holds no thread while it waits, so that no client's request
/// holds up another's, and `stop` is answered at once.
public final class SteeringServer: Sendable {
  public struct Settings: Sendable {
    /// The address to listen on (127.0.0.1: this machine only; reach it through an SSH tunnel).
    public var host: String
    /// The port (0: any free one).
    public var port: Int
    /// The largest frame accepted, in bytes.
    public var frameLimit: Int
    /// A client silent this long in the middle of a frame is dropped (seconds).
    public var stallTimeout: Double
    /// A connection that has not sent a validly signed frame this long after
    /// it opened is dropped (seconds).
    public var handshakeTimeout: Double
    /// A connection that has proved the key and then sends nothing, with no
    /// request of its own in progress, is dropped after this long (seconds).
    /// The client opens a new connection when it finds its old one closed.
    public var idleTimeout: Double
    /// The largest frame accepted from a connection before it has sent a
    /// validly signed frame, in bytes: all an unknown peer can make the hub
    /// buffer. The client's first frame on a connection is a small `hello`
    /// when its request is larger.
    public var unauthenticatedFrameLimit: Int
    /// Connections held at most before they send a validly signed frame;
    /// a new one past it closes the oldest of them (see ``PendingConnections``).
    public var pendingLimit: Int
    /// The same, for the connections from one remote address.
    public var pendingPerAddressLimit: Int
    /// How far a request's time may be from the hub's clock (seconds).
    public var replayWindow: Double
    /// Warnings logged per kind of refusal (or drop) and ``warningInterval``;
    /// past it they are counted, and one line reports the count when the
    /// interval ends.
    public var warningLimit: Int
    /// The interval of ``warningLimit``, in seconds.
    public var warningInterval: Double
    /// Frames up to this many bytes are opened (signature, then JSON) on the
    /// event loop, which takes well under a millisecond; a larger one, from
    /// a connection that has proved the key, is opened and answered on the
    /// `bulk` lane while its connection is not read.
    public var inlineFrameLimit: Int

    public init(
      host: String = "127.0.0.1", port: Int = 0, frameLimit: Int = SteeringFrame.defaultLimit,
      stallTimeout: Double = 30, replayWindow: Double = 300, warningLimit: Int = 10,
      warningInterval: Double = 60, handshakeTimeout: Double = 10, idleTimeout: Double = 120,
      unauthenticatedFrameLimit: Int = SteeringFrame.unauthenticatedLimit, pendingLimit: Int = 64,
      pendingPerAddressLimit: Int = 32, inlineFrameLimit: Int = 64 << 10
    ) {
      self.inlineFrameLimit = inlineFrameLimit
      self.handshakeTimeout = handshakeTimeout
      self.idleTimeout = idleTimeout
      self.unauthenticatedFrameLimit = unauthenticatedFrameLimit
      self.pendingLimit = pendingLimit
      self.pendingPerAddressLimit = pendingPerAddressLimit
      self.host = host
      self.port = port
      self.frameLimit = frameLimit
      self.stallTimeout = stallTimeout
      self.replayWindow = replayWindow
      self.warningLimit = warningLimit
      self.warningInterval = warningInterval
    }
  }

  public let settings: Settings
  let signer: MessageSigner
  let backend: any SteeringBackend
  let log: Logger
  private let group: MultiThreadedEventLoopGroup
  /// The listening channel, while listening.
  private let channel = NIOLockedValueBox<(any Channel)?>(nil)
  private let replay: NIOLockedValueBox<ReplayGuard>
  private let counters = NIOLockedValueBox(Counters())
  /// Holds back floods of refusal and drop warnings.
  private let warnings: NIOLockedValueBox<LogRateLimiter>
  /// The connections that have not proved the key yet, and their channels
  /// (to close one when a newer one needs its place).
  private let pending:
    NIOLockedValueBox<(policy: PendingConnections, channels: [Int: any Channel], next: Int)>
  /// The threads that compute answers.
  let lanes = SteeringLanes()

  /// What the server has seen, for logs and tests.
  public struct Counters: Sendable, Equatable {
    public var connections = 0
    public var requests = 0
    public var refused = 0
    public var dropped = 0
  }

  public init(settings: Settings, key: String, backend: any SteeringBackend, log: Logger) throws {
    self.settings = settings
    signer = try MessageSigner(hexKey: key)
    self.backend = backend
    self.log = log
    replay = NIOLockedValueBox(ReplayGuard(window: settings.replayWindow))
    warnings = NIOLockedValueBox(
      LogRateLimiter(limit: settings.warningLimit, interval: settings.warningInterval))
    pending = NIOLockedValueBox(
      (
        PendingConnections(
          limit: max(1, settings.pendingLimit), perAddressLimit: max(1, settings.pendingPerAddressLimit)),
        [:], 0
      ))
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  }

  /// Starts listening; returns the port bound.
  public func start() throws -> Int {
    lanes.start()
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 64)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { [self] channel in
        counters.withLockedValue { $0.connections += 1 }
        let id = admit(channel)
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(SteeringConnectionHandler(server: self, id: id))
        }
      }
    do {
      let channel = try bootstrap.bind(host: settings.host, port: settings.port).wait()
      self.channel.withLockedValue { $0 = channel }
      guard let port = channel.localAddress?.port else {
        throw SteeringError.cannotListen(address: settings.host, reason: "the listener has no port")
      }
      log.info("steering: listening on \(settings.host):\(port)")
      // Reports warnings held back once their interval ends, even when no
      // further refusal comes to report them.
      let every = TimeAmount.nanoseconds(Int64(settings.warningInterval * 1e9))
      group.next().scheduleRepeatedTask(initialDelay: every, delay: every) { [weak self] _ in
        self?.reportHeldBack()
      }
      return port
    } catch let error as SteeringError {
      throw error
    } catch {
      throw SteeringError.cannotListen(address: "\(settings.host):\(settings.port)", reason: "\(error)")
    }
  }

  /// Stops listening and closes every connection.
  public func stop() {
    let channel = self.channel.withLockedValue { channel in
      defer { channel = nil }
      return channel
    }
    try? channel?.close().wait()
    try? group.syncShutdownGracefully()
    lanes.stop()
  }

  public var counts: Counters { counters.withLockedValue { $0 } }

  /// How many connections have not yet sent a validly signed frame.
  public var pendingCount: Int { pending.withLockedValue { $0.policy.count } }

  // MARK: Pending connections

  /// Counts a new connection as pending, closing the pending ones that must
  /// make room for it; returns its id.
  private func admit(_ channel: any Channel) -> Int {
    let address = channel.remoteAddress?.ipAddress ?? "?"
    let (id, closing): (Int, [any Channel]) = pending.withLockedValue { state in
      let id = state.next
      state.next += 1
      let evicted = state.policy.admit(id, address: address)
      state.channels[id] = channel
      return (id, evicted.compactMap { state.channels.removeValue(forKey: $0) })
    }
    for old in closing {
      noteDropped(
        "a newer connection needed the place of one that had not sent a signed request",
        peer: old.remoteAddress.map { "\($0)" } ?? "a client")
      old.close(promise: nil)
    }
    return id
  }

  /// A connection proved the key, or closed: it is no longer pending.
  func settled(_ id: Int) {
    pending.withLockedValue { state in
      state.policy.remove(id)
      state.channels[id] = nil
    }
  }

  // MARK: Per request (called by the connection handlers)

  /// Opens a frame's contents: signature, then body, then replay.
  func open(_ contents: [UInt8]) throws -> SteeringRequest {
    let request = try SteeringFrame.open(contents, as: SteeringRequest.self, signer: signer)
    try replay.withLockedValue {
      try $0.admit(nonce: request.nonce, time: request.time, now: Date().timeIntervalSince1970)
    }
    counters.withLockedValue { $0.requests += 1 }
    return request
  }

  /// Answers `request` on `channel` and calls `written` once the reply is
  /// out. `stop` is answered here, on the event loop; every other command's
  /// answer is computed on its lane once the backend has it (a `wait`, when
  /// the job finishes or the wait times out). A request from a `large`
  /// frame, which comes here on the bulk lane, has an answer that is ready
  /// at once computed there too, and one that waited on the work lane.
  func answer(
    _ request: SteeringRequest, on channel: any Channel, large: Bool,
    written: @escaping @Sendable () -> Void
  ) {
    let command = request.command
    let backend = self.backend
    let allocator = channel.allocator
    // A large reply goes out a piece at a time while the next is made;
    // `written` follows the last piece.
    let send: @Sendable (ByteBuffer, Bool) -> Void = { piece, last in
      guard last else { return channel.writeAndFlush(piece, promise: nil) }
      let write = channel.writeAndFlush(piece)
      write.whenComplete { _ in written() }
      if case .stop = command { write.whenComplete { _ in backend.stopRequested() } }
    }
    if case .stop = command {
      return respond(to: request, allocator: allocator, with: { try backend.answer(command) }, into: send)
    }
    // While the backend is called from the bulk lane, an answer it hands
    // over at once (on this thread) is computed right here.
    let bulkThread = NIOLockedValueBox<pthread_t?>(large ? pthread_self() : nil)
    let lane = large ? .work : SteeringLanes.lane(of: command)
    backend.answer(command) { [self] work in
      if let thread = bulkThread.withLockedValue({ $0 }), pthread_equal(thread, pthread_self()) != 0 {
        respond(to: request, allocator: allocator, with: work, into: send)
      } else {
        lanes.run(on: lane) { self.respond(to: request, allocator: allocator, with: work, into: send) }
      }
    }
    bulkThread.withLockedValue { $0 = nil }
  }

  /// The answer `work` computes, as a signed reply frame to `request`,
  /// handed to `send` a piece at a time (see ``frame(_:allocator:piece:into:)``).
  func respond(
    to request: SteeringRequest, allocator: ByteBufferAllocator, with work: () throws -> SteeringAnswer,
    into send: (ByteBuffer, Bool) -> Void
  ) {
    let reply: SteeringReply
    do {
      reply = SteeringReply(inReplyTo: request.nonce, answer: try work())
    } catch let failure as SteeringFailure {
      reply = SteeringReply(
        inReplyTo: request.nonce, error: .init(kind: failure.kind, message: failure.message))
    } catch {
      reply = SteeringReply(inReplyTo: request.nonce, error: .init(kind: "error", message: "\(error)"))
    }
    frame(reply, allocator: allocator, into: send)
  }

  /// `reply` as a signed frame in one buffer.
  func frame(_ reply: SteeringReply, allocator: ByteBufferAllocator) -> ByteBuffer {
    var whole: ByteBuffer?
    frame(reply, allocator: allocator, piece: .max / 2) { piece, _ in whole = piece }
    return whole!
  }

  /// `reply` as a signed frame handed to `send` in pieces (the last with
  /// `true`), its arrays' bytes copied from where they lie, not joined first.
  func frame(
    _ reply: SteeringReply, allocator: ByteBufferAllocator, piece: Int = SteeringFrame.defaultPiece,
    into send: (ByteBuffer, Bool) -> Void
  ) {
    let parts: [ArraySlice<UInt8>]
    do {
      parts = try SteeringCoding.encodeParts(reply)
    } catch {
      let fallback = SteeringReply(
        inReplyTo: reply.inReplyTo,
        error: .init(kind: "error", message: "the reply could not be encoded: \(error)"))
      parts = [Array((try? SteeringCoding.encoder.encode(fallback)) ?? Data())[...]]
    }
    SteeringFrame.encode(parts: parts, signer: signer, allocator: allocator, piece: piece, emit: send)
  }

  func noteRefused(_ reason: String, peer: String) {
    counters.withLockedValue { $0.refused += 1 }
    warn(
      "steering: refused a request from \(peer): \(reason)",
      as: "refused: " + LogRateLimiter.reason(of: reason))
  }

  func noteDropped(_ reason: String, peer: String) {
    counters.withLockedValue { $0.dropped += 1 }
    warn("steering: dropped \(peer): \(reason)", as: "dropped: " + LogRateLimiter.reason(of: reason))
  }

  /// Logs `line` unless too many warnings of its `kind` came in this interval.
  private func warn(_ line: String, as kind: String) {
    let now = Self.now()
    let (ended, admitted) = warnings.withLockedValue { ($0.expired(now: now), $0.admit(kind, now: now)) }
    report(ended)
    if admitted { log.warning("\(line)") }
  }

  /// Reports the warnings held back in intervals that have ended.
  func reportHeldBack() {
    let now = Self.now()
    report(warnings.withLockedValue { $0.expired(now: now) })
  }

  private func report(_ ended: [(reason: String, suppressed: Int)]) {
    for (reason, count) in ended {
      log.warning(
        "steering: held back \(count) more warnings of '\(reason)' in \(settings.warningInterval) s (at most \(settings.warningLimit) logged per kind)"
      )
    }
  }

  /// Seconds on a steady clock.
  private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
