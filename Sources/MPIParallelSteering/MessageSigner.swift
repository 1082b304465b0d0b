import Crypto
import Foundation

/// Signs and verifies message bodies with HMAC-SHA256 under the connection
/// file's key, as IPython signs its messages.
public struct MessageSigner: Sendable {
  /// Bytes of the signature that precede each body in a frame.
  public static let signatureSize = 32

  private let keyBytes: [UInt8]
  private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

  /// A signer with a key given as hex (the connection file's form).
  public init(hexKey: String) throws {
    guard let bytes = Self.bytes(hex: hexKey), bytes.count >= 16 else {
      throw SteeringError.badConnectionFile(path: "", reason: "the key is not hex of at least 16 bytes")
    }
    keyBytes = bytes
  }

  /// A fresh random 256-bit key, as hex.
  public static func makeKey() -> String {
    SymmetricKey(size: .bits256).withUnsafeBytes { Self.hex($0) }
  }

  /// The signature of `body`.
  public func signature<Body: DataProtocol>(of body: Body) -> [UInt8] {
    Array(HMAC<SHA256>.authenticationCode(for: body, using: key))
  }

  /// The signature of the body made of `parts` one after another, each
  /// hashed where it lies.
  public func signature(ofParts parts: [ArraySlice<UInt8>]) -> [UInt8] {
    var mac = self.mac()
    for part in parts { part.withUnsafeBytes { mac.update(data: $0) } }
    return Array(mac.finalize())
  }

  /// An HMAC under this key, to feed a body piece by piece.
  func mac() -> HMAC<SHA256> { HMAC<SHA256>(key: key) }

  /// Whether `signature` is `body`'s (compared in constant time).
  public func verify<Body: DataProtocol>(_ signature: some Collection<UInt8>, body: Body) -> Bool {
    HMAC<SHA256>.isValidAuthenticationCode(Array(signature), authenticating: body, using: key)
  }

  static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    bytes.map { String(format: "%02x", $0) }.joined()
  }

  static func bytes(hex: String) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
      guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
      bytes.append(high << 4 | low)
      index += 2
    }
    return bytes
  }

  private static func nibble(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    default: return nil
    }
  }
}
