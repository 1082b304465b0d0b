import Foundation
import NIOCore

/// One client connection: gathers frames, checks their size before taking
/// them in, refuses bad frames with an error reply before closing, and drops
/// the client when it stalls mid-frame, fails to send a signed frame in time
/// after connecting, or sits idle too long after.
///
/// Until the connection's first validly signed frame, frames are limited to
/// the server's `unauthenticatedFrameLimit`, so an unknown peer can never
/// make the hub buffer more than that.
///
/// A frame past the server's `inlineFrameLimit` (from a connection that has
/// proved the key) is opened and answered on the server's bulk lane; the
/// connection is not read meanwhile, so that one client holds at most one
/// large request in the hub, and the event loop is never held by one.
final class SteeringConnectionHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private let server: SteeringServer
  /// The connection's id among the server's pending connections.
  private let id: Int
  private var buffer: ByteBuffer?
  /// The length of the frame being read (its header already consumed).
  private var expected: Int?
  private let opened = NIODeadline.now()
  private var lastByte = NIODeadline.now()
  /// When the connection last received a byte or sent a reply.
  private var lastActivity = NIODeadline.now()
  /// Whether a validly signed frame has come on this connection.
  private var authenticated = false
  /// Requests handed to the backend and not yet answered.
  private var inFlight = 0
  /// Whether a large frame of this connection is on the bulk lane (reading stops meanwhile).
  private var largeInProgress = false
  private var timer: Scheduled<Void>?
  /// When ``timer`` fires.
  private var timerDeadline = NIODeadline.distantFuture
  private var closing = false

  init(server: SteeringServer, id: Int) {
    self.server = server
    self.id = id
  }

  func handlerAdded(context: ChannelHandlerContext) {
    scheduleCheck(context: context)
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
    lastActivity = lastByte
    readFrames(context: context)
  }

  private func readFrames(context: ChannelHandlerContext) {
    while !closing, !largeInProgress, var bytes = buffer {
      buffer = nil
      if expected == nil {
        guard bytes.readableBytes >= SteeringFrame.headerSize,
          let header = bytes.readBytes(length: SteeringFrame.headerSize)
        else {
          buffer = bytes
          break
        }
        let limit =
          authenticated
          ? server.settings.frameLimit : min(server.settings.frameLimit, server.settings.unauthenticatedFrameLimit)
        do {
          expected = try SteeringFrame.length(header: header, limit: limit)
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
    scheduleCheck(context: context)
  }

  private func handle(frame contents: [UInt8], context: ChannelHandlerContext) {
    if authenticated, contents.count > server.settings.inlineFrameLimit {
      return handle(large: contents, context: context)
    }
    let request: SteeringRequest
    do {
      request = try server.open(contents)
    } catch {
      refuse(context: context, reason: "\(error)", inReplyTo: Self.nonce(of: contents, server: server))
      return
    }
    if !authenticated {
      authenticated = true
      server.settled(id)
    }
    server.log.debug("steering: \(request.command.name) from \(peer(context))")
    inFlight += 1
    server.answer(request, on: context.channel, large: false, written: answered(context))
  }

  /// Opens and answers a large frame on the bulk lane, reading nothing
  /// more from this connection until that is done.
  private func handle(large contents: [UInt8], context: ChannelHandlerContext) {
    largeInProgress = true
    inFlight += 1
    context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
    let server = self.server
    let channel = context.channel
    let loop = context.eventLoop
    let handler = NIOLoopBound(self, eventLoop: loop)
    let loopContext = NIOLoopBound(context, eventLoop: loop)
    let written = answered(context)
    server.lanes.run(on: .bulk) {
      do {
        let request = try server.open(contents)
        server.log.debug("steering: \(request.command.name) (\(contents.count) bytes) from \(channel.remoteAddress.map { "\($0)" } ?? "a client")")
        server.answer(request, on: channel, large: true, written: written)
        loop.execute { handler.value.largeDone(context: loopContext.value) }
      } catch {
        let nonce = Self.nonce(of: contents, server: server)
        loop.execute {
          handler.value.inFlight -= 1
          handler.value.largeInProgress = false
          handler.value.refuse(context: loopContext.value, reason: "\(error)", inReplyTo: nonce)
        }
      }
    }
  }

  /// The bulk lane is done with this connection's large frame: reading goes on.
  private func largeDone(context: ChannelHandlerContext) {
    largeInProgress = false
    guard !closing else { return }
    lastByte = .now()
    context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
    readFrames(context: context)
  }

  /// The nonce of a frame refused for a reason other than its signature (a
  /// well-signed replay's), to echo in the refusal; empty when there is none.
  private static func nonce(of contents: [UInt8], server: SteeringServer) -> String {
    (try? SteeringFrame.open(contents, as: SteeringRequest.self, signer: server.signer))?.nonce ?? ""
  }

  /// What the server calls once a reply is written: the reply's end, on the event loop.
  private func answered(_ context: ChannelHandlerContext) -> @Sendable () -> Void {
    // The write's completion runs on the channel's event loop, where the
    // handler lives.
    let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
    let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
    let loop = context.eventLoop
    return {
      loop.execute { handler.value.answered(context: loopContext.value) }
    }
  }

  private func refuse(context: ChannelHandlerContext, reason: String, inReplyTo: String) {
    closing = true
    buffer = nil
    expected = nil
    timer?.cancel()
    timer = nil
    server.noteRefused(reason, peer: peer(context))
    let message =
      reason.hasPrefix("the hub refused the request: ")
      ? String(reason.dropFirst("the hub refused the request: ".count)) : reason
    let out = server.frame(
      SteeringReply(inReplyTo: inReplyTo, error: .init(kind: "refused", message: message)),
      allocator: context.channel.allocator)
    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
    context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in loopBound.value.close(promise: nil) }
  }

  /// A reply went out: the idle time counts from now.
  private func answered(context: ChannelHandlerContext) {
    inFlight -= 1
    guard !closing else { return }
    lastActivity = .now()
    scheduleCheck(context: context)
  }

  /// Why the connection should be dropped now, if it should.
  private func overdue(now: NIODeadline) -> String? {
    let settings = server.settings
    if !largeInProgress, buffer != nil || expected != nil, now - lastByte >= seconds(settings.stallTimeout) {
      return "no bytes for \(settings.stallTimeout) s in the middle of a frame"
    }
    if !authenticated, now - opened >= seconds(settings.handshakeTimeout) {
      return "no signed request within \(settings.handshakeTimeout) s of connecting"
    }
    if authenticated, inFlight == 0, buffer == nil, expected == nil,
      now - lastActivity >= seconds(settings.idleTimeout)
    {
      return "idle for \(settings.idleTimeout) s"
    }
    return nil
  }

  /// The next time a limit could run out.
  private func nextDeadline() -> NIODeadline? {
    let settings = server.settings
    var deadlines: [NIODeadline] = []
    if !largeInProgress, buffer != nil || expected != nil {
      deadlines.append(lastByte + seconds(settings.stallTimeout))
    }
    if !authenticated {
      deadlines.append(opened + seconds(settings.handshakeTimeout))
    } else if inFlight == 0, buffer == nil, expected == nil {
      deadlines.append(lastActivity + seconds(settings.idleTimeout))
    }
    return deadlines.min()
  }

  /// Keeps one timer set no later than the earliest limit; when it fires,
  /// drops the connection if a limit ran out, else sets it again. A timer
  /// already set earlier stays (activity only moves limits later), so a busy
  /// connection does not reset it on every read.
  private func scheduleCheck(context: ChannelHandlerContext) {
    guard !closing, let deadline = nextDeadline() else { return }
    if timer != nil, timerDeadline <= deadline { return }
    timer?.cancel()
    timerDeadline = deadline
    // The check runs on the channel's event loop, as every call of the handler does.
    timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
      timer = nil
      guard !closing else { return }
      if let reason = overdue(now: .now()) {
        closing = true
        buffer = nil
        expected = nil
        server.noteDropped(reason, peer: peer(context))
        context.close(promise: nil)
      } else {
        scheduleCheck(context: context)
      }
    }
  }

  private func seconds(_ value: Double) -> TimeAmount {
    .nanoseconds(Int64(min(value, 1e9) * 1e9))
  }

  func channelInactive(context: ChannelHandlerContext) {
    closing = true
    timer?.cancel()
    timer = nil
    server.settled(id)
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
