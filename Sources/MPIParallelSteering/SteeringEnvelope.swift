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

/// How messages are coded: JSON with sorted keys, then, when the message
/// holds numeric arrays (``JSONValue/numbers(_:)``), one NUL byte, zero
/// padding to the next multiple of 8 bytes of the body, and the arrays' raw
/// little-endian bytes, each at an offset (from the start of those bytes)
/// that is a multiple of 8. In the JSON an array stands as
/// `{"$array": "f8", "count": N, "offset": BYTES}`. The whole body is what
/// is signed. JSON text holds no NUL byte, so the first one ends it.
public enum SteeringCoding {
  static let attachmentsKey = CodingUserInfoKey(rawValue: "MPIParallelSteering.attachments")!

  /// An array's place in the JSON.
  struct Placeholder: Codable {
    var array: String
    var count: Int
    var offset: Int
    enum CodingKeys: String, CodingKey {
      case array = "$array"
      case count, offset
    }
  }

  /// The arrays of one message being encoded (collected in order) or
  /// decoded (the bytes after the JSON). Safe to share as Sendable: each
  /// instance belongs to one encoding or decoding, on one thread.
  final class Attachments: @unchecked Sendable {
    private(set) var parts: [ArraySlice<UInt8>] = []
    private(set) var size = 0
    let data: ArraySlice<UInt8>

    init(data: ArraySlice<UInt8> = []) { self.data = data }

    func add(_ array: NumericArray) -> Placeholder {
      let offset = size
      for segment in array.segments where !segment.isEmpty {
        parts.append(segment)
        size += segment.count
      }
      let padding = (8 - size % 8) % 8
      if padding > 0 {
        parts.append(ArraySlice(repeating: 0, count: padding))
        size += padding
      }
      return Placeholder(array: array.kind.rawValue, count: array.count, offset: offset)
    }

    func array(_ placeholder: Placeholder) throws -> NumericArray {
      guard let kind = NumericArray.Kind(rawValue: placeholder.array), placeholder.count >= 0,
        placeholder.offset >= 0, placeholder.offset <= data.count,
        placeholder.count <= (data.count - placeholder.offset) / kind.size
      else {
        throw SteeringError.refused(
          "a raw array \(placeholder.array)[\(placeholder.count)] at offset \(placeholder.offset) does not fit the \(data.count) bytes of arrays in the message"
        )
      }
      let start = data.startIndex + placeholder.offset
      return NumericArray(
        kind: kind, count: placeholder.count, bytes: data[start..<(start + placeholder.count * kind.size)])!
    }
  }

  static let encoder: JSONEncoder = makeEncoder()

  static func makeEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  static func decoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }

  /// A message's body: its JSON, then its numeric arrays as raw bytes.
  public static func encode<Message: Encodable>(_ message: Message) throws -> [UInt8] {
    let parts = try encodeParts(message)
    if parts.count == 1 { return Array(parts[0]) }
    var body: [UInt8] = []
    body.reserveCapacity(parts.reduce(0) { $0 + $1.count })
    for part in parts { body.append(contentsOf: part) }
    return body
  }

  /// The body `encode` makes, in pieces to be written one after another:
  /// the JSON (with its NUL and padding when arrays follow), then the
  /// arrays' bytes and their padding, each a slice of the array's own
  /// storage, so that no array is copied to make the body.
  public static func encodeParts<Message: Encodable>(_ message: Message) throws -> [ArraySlice<UInt8>] {
    let encoder = makeEncoder()
    let sink = Attachments()
    encoder.userInfo[attachmentsKey] = sink
    let json = try encoder.encode(message)
    guard !sink.parts.isEmpty else { return [Array(json)[...]] }
    let start = (json.count + 1 + 7) / 8 * 8
    var head = [UInt8](json)
    head.append(contentsOf: repeatElement(0, count: start - json.count))
    return [head[...]] + sink.parts
  }

  /// Decodes a body `encode` made (the arrays share `body`'s storage).
  public static func decode<Message: Decodable>(_ type: Message.Type, from body: ArraySlice<UInt8>) throws
    -> Message
  {
    let decoder = decoder()
    let end = body.firstIndex(of: 0) ?? body.endIndex
    if end < body.endIndex {
      let start = Swift.min(body.endIndex, body.startIndex + (end - body.startIndex + 1 + 7) / 8 * 8)
      decoder.userInfo[attachmentsKey] = Attachments(data: body[start...])
    }
    return try decoder.decode(Message.self, from: Data(body[..<end]))
  }

  /// A value as bytes of its own (how values travel between the hub and engines).
  public static func pack(_ value: JSONValue) throws -> [UInt8] { try encode(value) }

  /// A value `pack` made.
  public static func unpack(_ bytes: ArraySlice<UInt8>) throws -> JSONValue {
    do {
      return try decode(JSONValue.self, from: bytes)
    } catch let error as SteeringError {
      throw error
    } catch {
      throw SteeringError.badJSON(
        String(decoding: bytes.prefix(200).prefix { $0 != 0 }, as: UTF8.self), reason: JSONValue.reason(error))
    }
  }
}
