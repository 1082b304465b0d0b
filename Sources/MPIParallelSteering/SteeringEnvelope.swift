import Foundation

/// A request as it travels: a fresh nonce and the time it was made (so the
/// hub can refuse a replay), and the command.
public struct SteeringRequest: Codable, Sendable, Equatable {
  public var nonce: String
  /// Seconds since 1970 on the client's clock.
  public var time: Double
  public var command: SteeringCommand

  public init(
    command: SteeringCommand, nonce: String = SteeringRequest.makeNonce(),
    time: Double = Date().timeIntervalSince1970
  ) {
    self.nonce = nonce
    self.time = time
    self.command = command
  }

  /// 16 random bytes as hex.
  public static func makeNonce() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
  }
}

/// The hub's reply: the nonce of the request it answers ("" when the request
/// could not be read), and an answer or an error.
public struct SteeringReply: Codable, Sendable, Equatable {
  public struct Failure: Codable, Sendable, Equatable {
    /// "refused", "badRequest", "unknownFunction", "badArguments", "remote", "unknownJob", ...
    public var kind: String
    public var message: String
    public init(kind: String, message: String) {
      self.kind = kind
      self.message = message
    }
  }

  public var inReplyTo: String
  public var time: Double
  public var answer: SteeringAnswer?
  public var error: Failure?

  public init(inReplyTo: String, answer: SteeringAnswer) {
    self.inReplyTo = inReplyTo
    self.time = Date().timeIntervalSince1970
    self.answer = answer
    self.error = nil
  }

  public init(inReplyTo: String, error: Failure) {
    self.inReplyTo = inReplyTo
    self.time = Date().timeIntervalSince1970
    self.answer = nil
    self.error = error
  }
}

/// How messages are coded: JSON with sorted keys (the bytes that are signed).
enum SteeringCoding {
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }()

  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
