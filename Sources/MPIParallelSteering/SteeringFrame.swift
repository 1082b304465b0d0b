import Crypto
import Foundation
import NIOCore

/// A message on the wire: a 4-byte big-endian length, then that many bytes:
/// the body (JSON, and the raw bytes of any numeric arrays after it: see
/// ``SteeringCoding``), then the 32-byte HMAC-SHA256 signature of the body.
/// The signature comes last so that a large body is hashed while it is
/// written and while it is read, not in a pass of its own before either.
public enum SteeringFrame {
  /// The default limit on a frame's length: 256 MiB.
  public static let defaultLimit = 256 << 20
  /// The default limit on a frame from a connection that has not yet sent a
  /// validly signed frame: 64 KiB. A client whose request is larger sends a
  /// `hello` first on a new connection.
  public static let unauthenticatedLimit = 64 << 10
  /// Bytes before the body.
  public static let headerSize = 4

  /// A signed frame of `body`.
  public static func encode(body: [UInt8], signer: MessageSigner) -> [UInt8] {
    let length = UInt32(body.count + MessageSigner.signatureSize)
    var frame: [UInt8] = []
    frame.reserveCapacity(headerSize + Int(length))
    withUnsafeBytes(of: length.bigEndian) { frame.append(contentsOf: $0) }
    frame.append(contentsOf: body)
    frame.append(contentsOf: signer.signature(of: body))
    return frame
  }

  /// A signed frame of the body made of `parts` (``SteeringCoding/encodeParts(_:)``),
  /// handed to `emit` in pieces of about `piece` bytes as they are made, the
  /// last (`last` true) with the signature: each part is copied once, into a piece, a
  /// stretch at a time, and each stretch is hashed while it is still in the
  /// cache. A piece can be on its way out while the next is made.
  public static func encode(
    parts: [ArraySlice<UInt8>], signer: MessageSigner, allocator: ByteBufferAllocator,
    piece: Int = defaultPiece, emit: (_ piece: ByteBuffer, _ last: Bool) -> Void
  ) {
    precondition(piece > 0, "SteeringFrame.encode: a piece of \(piece) bytes")
    let bodySize = parts.reduce(0) { $0 + $1.count }
    let length = UInt32(bodySize + MessageSigner.signatureSize)
    let total = headerSize + Int(length)
    var buffer = allocator.buffer(capacity: Swift.min(total, piece + MessageSigner.signatureSize))
    var left = total
    buffer.writeInteger(length, endianness: .big)
    var mac = signer.mac()
    for part in parts {
      var start = part.startIndex
      while start < part.endIndex {
        if buffer.readableBytes >= piece {
          left -= buffer.readableBytes
          emit(buffer, false)
          buffer = allocator.buffer(capacity: Swift.min(left, piece + MessageSigner.signatureSize))
        }
        let end = Swift.min(part.endIndex, start + stretch, start + (piece - buffer.readableBytes))
        let written = buffer.writerIndex - buffer.readerIndex
        buffer.writeBytes(part[start..<end])
        buffer.withUnsafeReadableBytes { raw in
          mac.update(data: UnsafeRawBufferPointer(rebasing: raw[written...]))
        }
        start = end
      }
    }
    buffer.writeBytes(Array(mac.finalize()))
    emit(buffer, true)
  }

  /// Bytes copied and hashed at a time by `encode(parts:signer:allocator:piece:emit:)`:
  /// small enough to stay in the cache between the two.
  static let stretch = 128 << 10
  /// The size of the pieces a large frame is written in.
  public static let defaultPiece = 4 << 20

  /// The length a frame header announces, checked against `limit` before
  /// anything is allocated for it.
  public static func length(header: some Collection<UInt8>, limit: Int) throws -> Int {
    precondition(header.count == headerSize)
    let length = header.reduce(0) { $0 << 8 | Int($1) }
    guard length <= limit else { throw SteeringError.frameTooLarge(size: length, limit: limit) }
    guard length >= MessageSigner.signatureSize + 2 else {
      throw SteeringError.refused("a frame of \(length) bytes is too short to hold a signed message")
    }
    return length
  }

  /// Verifies a frame's contents (body then signature) and decodes the body.
  public static func open<Message: Decodable>(
    _ contents: [UInt8], as type: Message.Type, signer: MessageSigner
  ) throws -> Message {
    let (body, signature) = split(contents)
    guard signer.verify(signature, body: body) else {
      throw SteeringError.refused("bad signature: the message is not signed with this job's key")
    }
    do {
      return try SteeringCoding.decode(Message.self, from: body)
    } catch let error as SteeringError {
      throw error
    } catch {
      throw SteeringError.refused("malformed message: \(JSONValue.reason(error))")
    }
  }

  /// A frame's contents as its body and its signature (the last bytes).
  public static func split(_ contents: [UInt8]) -> (body: ArraySlice<UInt8>, signature: ArraySlice<UInt8>) {
    let end = Swift.max(contents.startIndex, contents.endIndex - MessageSigner.signatureSize)
    return (contents[..<end], contents[end...])
  }
}
