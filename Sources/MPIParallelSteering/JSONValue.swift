import Foundation

/// A JSON value: what steering messages carry as arguments, results and
/// namespace values, so that a client needs none of the job's Swift types.
/// A numeric array (`[Double]`, `[Int]`, ...) is kept as raw bytes
/// (``numbers(_:)``): a steering message carries it beside its JSON, and
/// anywhere else (``description``, the `mpiparallel` tool's output) it is a
/// JSON array of numbers, equal to the ``array(_:)`` of those numbers.
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
  case null
  case bool(Bool)
  case int(Int)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])
  /// A numeric array as raw little-endian bytes.
  case numbers(NumericArray)

  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if let source = decoder.userInfo[SteeringCoding.attachmentsKey] as? SteeringCoding.Attachments,
      let placeholder = try? container.decode(SteeringCoding.Placeholder.self)
    {
      self = .numbers(try source.array(placeholder))
    } else if container.decodeNil() {
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
    case .numbers(let value):
      if let sink = encoder.userInfo[SteeringCoding.attachmentsKey] as? SteeringCoding.Attachments {
        try container.encode(sink.add(value))
      } else {
        try container.encode(value.elements)
      }
    }
  }

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    switch (lhs, rhs) {
    case (.null, .null): return true
    case (.bool(let a), .bool(let b)): return a == b
    case (.int(let a), .int(let b)): return a == b
    case (.double(let a), .double(let b)): return a == b
    case (.string(let a), .string(let b)): return a == b
    case (.array(let a), .array(let b)): return a == b
    case (.object(let a), .object(let b)): return a == b
    case (.numbers(let a), .numbers(let b)): return a == b || sameNumbers(a.elements, b.elements)
    case (.numbers(let a), .array(let b)), (.array(let b), .numbers(let a)): return sameNumbers(a.elements, b)
    default: return false
    }
  }

  public func hash(into hasher: inout Hasher) {
    switch self {
    case .null: hasher.combine(0)
    case .bool(let value): hasher.combine(value)
    case .int(let value): hasher.combine(value)
    case .double(let value): hasher.combine(value)
    case .string(let value): hasher.combine(value)
    // An array equals the raw numbers of the same values: both hash their count.
    case .array(let value): hasher.combine(value.count)
    case .object(let value): hasher.combine(value)
    case .numbers(let value): hasher.combine(value.count)
    }
  }

  /// Whether raw numbers' elements equal an array's: the same values, an
  /// `.int` equal to a `.double` of its value.
  private static func sameNumbers(_ numbers: [JSONValue], _ other: [JSONValue]) -> Bool {
    guard numbers.count == other.count else { return false }
    return zip(numbers, other).allSatisfy { a, b in
      if a == b { return true }
      guard let x = a.asDouble, let y = b.asDouble else { return false }
      return x == y
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
    if let numbers = NumericArray(any: value) {
      self = .numbers(numbers)
      return
    }
    let data = try Self.encoder.encode(value)
    self = try JSONDecoder().decode(JSONValue.self, from: data)
  }

  /// This value as a `T`; the error names the type expected.
  public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
    if let same = self as? T { return same }
    if case .numbers(let numbers) = self, let typed = numbers.decode(as: T.self) { return typed }
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
    if case .numbers(let numbers) = self { return numbers.elements }
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
