internal import MPIParallelSteering

/// An engine's named values. Values pushed or broadcast from the hub arrive
/// encoded and are decoded on first use with the type asked for (then kept
/// decoded); values set by remote functions or scattered as numbers are kept
/// as they are.
final class Namespace {
  enum Entry {
    case value(any Codable, typeName: String)
    case encoded([UInt8], typeName: String)
    /// Pushed by a steering client: decoded with the type asked for on first use.
    case json(JSONValue)

    var typeName: String {
      switch self {
      case .value(_, let typeName), .encoded(_, let typeName): return typeName
      case .json: return "JSON"
      }
    }
  }

  private(set) var entries: [String: Entry] = [:]

  var names: [String] { entries.keys.sorted() }

  func contains(_ name: String) -> Bool { entries[name] != nil }

  /// The value called `name` as a `T`.
  func value<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    guard let entry = entries[name] else { throw EngineError.nameNotDefined(name) }
    switch entry {
    case .value(let value, let typeName):
      guard let typed = value as? T else {
        throw EngineError.typeMismatch(name: name, stored: typeName, requested: Wire.typeName(T.self))
      }
      return typed
    case .encoded(let bytes, let typeName):
      guard typeName == Wire.typeName(T.self) else {
        throw EngineError.typeMismatch(name: name, stored: typeName, requested: Wire.typeName(T.self))
      }
      let decoded = try Wire.decode(T.self, from: bytes)
      if let storable = decoded as? any Codable {
        entries[name] = .value(storable, typeName: typeName)
      }
      return decoded
    case .json(let json):
      let decoded: T
      do {
        decoded = try json.decode(as: T.self)
      } catch {
        throw EngineError.typeMismatch(
          name: name, stored: "JSON \(json.description.prefix(60))", requested: Wire.typeName(T.self))
      }
      if let storable = decoded as? any Codable {
        entries[name] = .value(storable, typeName: Wire.typeName(T.self))
      }
      return decoded
    }
  }

  /// Stores a steering client's JSON value.
  func setJSON(_ name: String, _ value: JSONValue) {
    entries[name] = .json(value)
  }

  /// The value called `name` as JSON, for a steering client's pull.
  func json(_ name: String) throws -> JSONValue {
    guard let entry = entries[name] else { throw EngineError.nameNotDefined(name) }
    switch entry {
    case .json(let value): return value
    case .value(let value, _): return try JSONValue(encoding: value)
    case .encoded(let bytes, let typeName):
      guard let convert = Self.jsonForms[typeName] else {
        throw EngineError.typeMismatch(
          name: name,
          stored: typeName + " (pushed by the driver and not used yet, so its JSON form is unknown here)",
          requested: "JSON")
      }
      return try convert(bytes)
    }
  }

  /// JSON forms of values still encoded, for the common types.
  private static let jsonForms: [String: @Sendable ([UInt8]) throws -> JSONValue] = {
    func form<T: Codable & Sendable>(_ type: T.Type) -> (String, @Sendable ([UInt8]) throws -> JSONValue) {
      (Wire.typeName(T.self), { try JSONValue(encoding: try Wire.decode(T.self, from: $0)) })
    }
    return Dictionary(
      uniqueKeysWithValues: [
        form(Int.self), form(Double.self), form(String.self), form(Bool.self), form([Int].self),
        form([Double].self), form([String].self), form([Bool].self), form([[Int]].self),
        form([[Double]].self),
        form([String: Int].self), form([String: Double].self), form([String: String].self),
      ])
  }()

  func set<T: Codable & Sendable>(_ name: String, _ value: T) {
    entries[name] = .value(value, typeName: Wire.typeName(T.self))
  }

  /// Stores a boxed value under the name of its dynamic type.
  func set(_ name: String, boxed value: any Codable) {
    entries[name] = .value(value, typeName: String(describing: type(of: value)))
  }

  func setEncoded(_ name: String, bytes: [UInt8], typeName: String) {
    entries[name] = .encoded(bytes, typeName: typeName)
  }

  @discardableResult
  func remove(_ name: String) -> Bool { entries.removeValue(forKey: name) != nil }

  /// The value's type name and its encoding, for `pull`.
  func encoded(_ name: String) throws -> (typeName: String, bytes: [UInt8]) {
    guard let entry = entries[name] else { throw EngineError.nameNotDefined(name) }
    switch entry {
    case .encoded(let bytes, let typeName): return (typeName, bytes)
    case .value(let value, let typeName): return (typeName, try Wire.encode(any: value))
    case .json:
      throw EngineError.typeMismatch(
        name: name, stored: "JSON (pushed by a steering client)", requested: "a typed pull")
    }
  }
}
