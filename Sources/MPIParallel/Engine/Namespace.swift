/// An engine's named values. Values pushed or broadcast from the hub arrive
/// encoded and are decoded on first use with the type asked for (then kept
/// decoded); values set by remote functions or scattered as numbers are kept
/// as they are.
final class Namespace {
  enum Entry {
    case value(any Codable, typeName: String)
    case encoded([UInt8], typeName: String)

    var typeName: String {
      switch self {
      case .value(_, let typeName), .encoded(_, let typeName): return typeName
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
    }
  }

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
    }
  }
}
