import Crypto
import Foundation
import NIOCore

/// A message on the wire: a 4-byte big-endian length, then that many bytes:
/// the 32-byte HMAC-SHA256 signature of the body, then the body (JSON, and
/// the raw bytes of any numeric arrays after it: see ``SteeringCoding``).
public enum SteeringFrame {
  /// The default limit on a frame's length: 256 MiB.
  public static let defaultLimit = 256 << 20
  /// The default limit on a frame from a connection that has not yet sent a
  /// validly signed frame: 64 KiB. A client whose request is larger sends a
  /// `hello` first on a new connection.
  public static let unauthenticatedLimit = 64 << 10
  /// Bytes before the signature.
  public static let headerSize = 4

  /// A signed frame of `body`.
  public static func encode(body: [UInt8], signer: MessageSigner) -> [UInt8] {
    let length = UInt32(MessageSigner.signatureSize + body.count)
    var frame: [UInt8] = []
    frame.reserveCapacity(headerSize + Int(length))
    withUnsafeBytes(of: length.bigEndian) { frame.append(contentsOf: $0) }
    frame.append(contentsOf: signer.signature(of: body))
    frame.append(contentsOf: body)
    return frame
  }

  /// A signed frame of the body made of `parts` (``SteeringCoding/encodeParts(_:)``),
  /// ready to write: each part is copied once, into the buffer, a stretch
  /// at a time, and each stretch is hashed for the signature while it is
  /// still in the cache; the signature then goes in its place before the body.
  public static func encode(
    parts: [ArraySlice<UInt8>], signer: MessageSigner, allocator: ByteBufferAllocator
  ) -> ByteBuffer {
    let bodySize = parts.reduce(0) { $0 + $1.count }
    let length = UInt32(MessageSigner.signatureSize + bodySize)
    var buffer = allocator.buffer(capacity: headerSize + Int(length))
    buffer.writeInteger(length, endianness: .big)
    buffer.writeRepeatingByte(0, count: MessageSigner.signatureSize)
    var mac = signer.mac()
    for part in parts {
      var start = part.startIndex
      while start < part.endIndex {
        let end = Swift.min(part.endIndex, start + stretch)
        let written = buffer.writerIndex - buffer.readerIndex
        buffer.writeBytes(part[start..<end])
        buffer.withUnsafeReadableBytes { raw in
          mac.update(data: UnsafeRawBufferPointer(rebasing: raw[written...]))
        }
        start = end
      }
    }
    buffer.setBytes(Array(mac.finalize()), at: buffer.readerIndex + headerSize)
    return buffer
  }

  /// Bytes copied and hashed at a time by `encode(parts:signer:allocator:)`:
  /// small enough to stay in the cache between the two.
  static let stretch = 128 << 10

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

  /// Verifies a frame's contents (signature then body) and decodes the body.
  public static func open<Message: Decodable>(
    _ contents: [UInt8], as type: Message.Type, signer: MessageSigner
  ) throws -> Message {
    let signature = contents[..<MessageSigner.signatureSize]
    let body = contents[MessageSigner.signatureSize...]
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
}
