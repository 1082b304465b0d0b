import Foundation
import NIOCore

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
    // The check runs on the channel's event loop, as every call of the handler does.
    stallCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastByte + timeout) { [self] in
      stallCheck = nil
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
