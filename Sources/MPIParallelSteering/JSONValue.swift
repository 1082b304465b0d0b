import Foundation

/// A JSON value: what steering messages carry as arguments, results and
/// namespace values, so that a client needs none of the job's Swift types.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let value = try? container.decode(Bool.self) {
      self = .bool(value)
    } else if let value = try? container.decode(Int.self) {
      self = .int(value)
    } else if let value = try? container.decode(Double.self) {
      self = .double(value)
    } else if let value = try? container.decode(String.self) {
      self = .string(value)
    } else if let value = try? container.decode([JSONValue].self) {
      self = .array(value)
    } else if let value = try? container.decode([String: JSONValue].self) {
      self = .object(value)
    } else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .null: try container.encodeNil()
    case .bool(let value): try container.encode(value)
    case .int(let value): try container.encode(value)
    case .double(let value): try container.encode(value)
    case .string(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }

  /// Parses JSON text (any value at the top level, not only arrays and objects).
  public init(parsing text: String) throws {
    try self.init(data: Data(text.utf8))
  }

  /// Parses JSON bytes.
  public init(data: Data) throws {
    do {
      self = try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw SteeringError.badJSON(
        String(decoding: data.prefix(200), as: UTF8.self), reason: Self.reason(error))
    }
  }

  /// The JSON form of any encodable value.
  public init<T: Encodable>(encoding value: T) throws {
    if let json = value as? JSONValue {
      self = json
      return
    }
    let data = try Self.encoder.encode(value)
    self = try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// This value as a `T`; the error names the type expected.
  public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
    if let same = self as? T { return same }
    do {
      return try SteeringCoding.decoder().decode(T.self, from: try Self.encoder.encode(self))
    } catch {
      throw SteeringError.wrongType(
        expected: String(describing: T.self), got: description, reason: Self.reason(error))
    }
  }

  /// Compact JSON text, keys sorted.
  public var description: String {
    String(decoding: (try? Self.encoder.encode(self)) ?? Data(), as: UTF8.self)
  }

  /// Indented JSON text, keys sorted.
  public var prettyDescription: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
  }

  /// The elements of an array value, nil for anything else.
  public var arrayValue: [JSONValue]? {
    if case .array(let elements) = self { return elements }
    return nil
  }

  /// The text of a string value, nil for anything else.
  public var stringValue: String? {
    if case .string(let text) = self { return text }
    return nil
  }

  /// Sorted keys, unescaped slashes, non-finite numbers as strings: the same coding as messages.
  static var encoder: JSONEncoder { SteeringCoding.encoder }

  /// A decoding error in a few words (what, and where).
  static func reason(_ error: any Error) -> String {
    switch error {
    case DecodingError.typeMismatch(let type, let context):
      return "expected \(type)\(path(context.codingPath)): \(context.debugDescription)"
    case DecodingError.valueNotFound(let type, let context):
      return "missing \(type)\(path(context.codingPath))"
    case DecodingError.keyNotFound(let key, let context):
      return "missing key '\(key.stringValue)'\(path(context.codingPath))"
    case DecodingError.dataCorrupted(let context):
      let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
      return underlying ?? context.debugDescription
    default:
      return "\(error)"
    }
  }

  private static func path(_ keys: [any CodingKey]) -> String {
    keys.isEmpty ? "" : " at " + keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
  }
}
