import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The hub's steering endpoint: a TCP listener (SwiftNIO) that reads signed
/// frames, refuses what is unsigned, wrongly signed, replayed, oversized,
/// malformed or stalled, and hands each good request to the backend on a
/// thread of its own, so a waiting request never holds up the event loop.
public final class SteeringServer: @unchecked Sendable {
  public struct Settings: Sendable {
    /// The address to listen on (127.0.0.1: this machine only; reach it through an SSH tunnel).
    public var host: String
    /// The port (0: any free one).
    public var port: Int
    /// The largest frame accepted, in bytes.
    public var frameLimit: Int
    /// A client silent this long in the middle of a frame is dropped (seconds).
    public var stallTimeout: Double
    /// How far a request's time may be from the hub's clock (seconds).
    public var replayWindow: Double

    public init(
      host: String = "127.0.0.1", port: Int = 0, frameLimit: Int = SteeringFrame.defaultLimit,
      stallTimeout: Double = 30, replayWindow: Double = 300
    ) {
      self.host = host
      self.port = port
      self.frameLimit = frameLimit
      self.stallTimeout = stallTimeout
      self.replayWindow = replayWindow
    }
  }

  public let settings: Settings
  let signer: MessageSigner
  let backend: any SteeringBackend
  let log: Logger
  private let group: MultiThreadedEventLoopGroup
  private var channel: (any Channel)?
  private let replay: NIOLockedValueBox<ReplayGuard>
  private let counters = NIOLockedValueBox(Counters())
  let work = DispatchQueue(label: "MPIParallel steering", attributes: .concurrent)

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
    group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  }

  /// Starts listening; returns the port bound.
  public func start() throws -> Int {
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 64)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { [self] channel in
        counters.withLockedValue { $0.connections += 1 }
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(SteeringConnectionHandler(server: self))
        }
      }
    do {
      let channel = try bootstrap.bind(host: settings.host, port: settings.port).wait()
      self.channel = channel
      guard let port = channel.localAddress?.port else {
        throw SteeringError.cannotListen(address: settings.host, reason: "the listener has no port")
      }
      log.info("steering: listening on \(settings.host):\(port)")
      return port
    } catch let error as SteeringError {
      throw error
    } catch {
      throw SteeringError.cannotListen(address: "\(settings.host):\(settings.port)", reason: "\(error)")
    }
  }

  /// Stops listening and closes every connection.
  public func stop() {
    try? channel?.close().wait()
    channel = nil
    try? group.syncShutdownGracefully()
  }

  public var counts: Counters { counters.withLockedValue { $0 } }

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

  /// The backend's answer to a request, as a signed frame.
  func respond(to request: SteeringRequest) -> [UInt8] {
    let reply: SteeringReply
    do {
      reply = SteeringReply(inReplyTo: request.nonce, answer: try backend.answer(request.command))
    } catch let failure as SteeringFailure {
      reply = SteeringReply(
        inReplyTo: request.nonce, error: .init(kind: failure.kind, message: failure.message))
    } catch {
      reply = SteeringReply(inReplyTo: request.nonce, error: .init(kind: "error", message: "\(error)"))
    }
    return frame(reply)
  }

  func frame(_ reply: SteeringReply) -> [UInt8] {
    let body: [UInt8]
    do {
      body = Array(try SteeringCoding.encoder.encode(reply))
    } catch {
      let fallback = SteeringReply(
        inReplyTo: reply.inReplyTo,
        error: .init(kind: "error", message: "the reply could not be encoded: \(error)"))
      body = Array((try? SteeringCoding.encoder.encode(fallback)) ?? Data())
    }
    return SteeringFrame.encode(body: body, signer: signer)
  }

  func noteRefused(_ reason: String, peer: String) {
    counters.withLockedValue { $0.refused += 1 }
    log.warning("steering: refused a request from \(peer): \(reason)")
  }

  func noteDropped(_ reason: String, peer: String) {
    counters.withLockedValue { $0.dropped += 1 }
    log.warning("steering: dropped \(peer): \(reason)")
  }
}

/// One client connection: gathers frames, checks their size before taking
/// them in, drops the client when it stalls mid-frame, and refuses bad frames
/// with an error reply before closing.
final class SteeringConnectionHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private let server: SteeringServer
  private var buffer: ByteBuffer?
  /// The length of the frame being read (its header already consumed).
  private var expected: Int?
  private var lastByte = NIODeadline.now()
  private var stallCheck: Scheduled<Void>?
  private var closing = false

  init(server: SteeringServer) {
    self.server = server
  }

  private func peer(_ context: ChannelHandlerContext) -> String {
    context.remoteAddress.map { "\($0)" } ?? "a client"
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !closing else { return }
    var incoming = unwrapInboundIn(data)
    if buffer == nil {
      buffer = incoming
    } else {
      buffer!.writeBuffer(&incoming)
    }
    lastByte = .now()
    readFrames(context: context)
  }

  private func readFrames(context: ChannelHandlerContext) {
    while !closing, var bytes = buffer {
      buffer = nil
      if expected == nil {
        guard bytes.readableBytes >= SteeringFrame.headerSize,
          let header = bytes.readBytes(length: SteeringFrame.headerSize)
        else {
          buffer = bytes
          break
        }
        do {
          expected = try SteeringFrame.length(header: header, limit: server.settings.frameLimit)
        } catch {
          refuse(context: context, reason: "\(error)", inReplyTo: "")
          return
        }
      }
      guard let length = expected, bytes.readableBytes >= length,
        let contents = bytes.readBytes(length: length)
      else {
        buffer = bytes
        break
      }
      expected = nil
      buffer = bytes.readableBytes > 0 ? bytes : nil
      handle(frame: contents, context: context)
    }
    if buffer != nil || expected != nil {
      watchForStall(context: context)
    } else {
      stallCheck?.cancel()
      stallCheck = nil
    }
  }

  private func handle(frame contents: [UInt8], context: ChannelHandlerContext) {
    let request: SteeringRequest
    do {
      request = try server.open(contents)
    } catch {
      // The nonce of a well-signed replay is known; echo it.
      let nonce =
        (try? SteeringFrame.open(contents, as: SteeringRequest.self, signer: server.signer))?.nonce ?? ""
      refuse(context: context, reason: "\(error)", inReplyTo: nonce)
      return
    }
    server.log.debug("steering: \(request.command.name) from \(peer(context))")
    let channel = context.channel
    let server = self.server
    server.work.async {
      let reply = server.respond(to: request)
      var out = channel.allocator.buffer(capacity: reply.count)
      out.writeBytes(reply)
      let written = channel.writeAndFlush(out)
      if case .stop = request.command {
        written.whenComplete { _ in server.backend.stopRequested() }
      }
    }
  }

  private func refuse(context: ChannelHandlerContext, reason: String, inReplyTo: String) {
    closing = true
    buffer = nil
    expected = nil
    stallCheck?.cancel()
    server.noteRefused(reason, peer: peer(context))
    let message =
      reason.hasPrefix("the hub refused the request: ")
      ? String(reason.dropFirst("the hub refused the request: ".count)) : reason
    let reply = server.frame(
      SteeringReply(inReplyTo: inReplyTo, error: .init(kind: "refused", message: message)))
    var out = context.channel.allocator.buffer(capacity: reply.count)
    out.writeBytes(reply)
    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
    context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in loopBound.value.close(promise: nil) }
  }

  private func watchForStall(context: ChannelHandlerContext) {
    guard stallCheck == nil else { return }
    let timeout = TimeAmount.nanoseconds(Int64(server.settings.stallTimeout * 1e9))
    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
    stallCheck = context.eventLoop.scheduleTask(deadline: lastByte + timeout) { [self] in
      stallCheck = nil
      let context = loopBound.value
      guard !closing, buffer != nil || expected != nil else { return }
      if NIODeadline.now() - lastByte >= timeout {
        closing = true
        buffer = nil
        server.noteDropped(
          "no bytes for \(server.settings.stallTimeout) s in the middle of a frame", peer: peer(context))
        context.close(promise: nil)
      } else {
        watchForStall(context: context)
      }
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    stallCheck?.cancel()
    stallCheck = nil
    if buffer != nil || expected != nil, !closing {
      server.log.info("steering: \(peer(context)) left in the middle of a frame")
    }
    buffer = nil
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    server.log.info("steering: connection error from \(peer(context)): \(error)")
    context.close(promise: nil)
  }
}
