/// A setting of the runtime's configuration that cannot be used. Raised at
/// start-up on the rank that read it, which prints it; every rank exits with
/// status 2.
public enum ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
  /// A scheme name that does not exist; `valid` lists the ones that do.
  case unknownScheme(String, source: String, valid: [String])
  /// A value a setting cannot take (for example a negative high-water mark).
  case invalidValue(setting: String, value: String, source: String, expected: String)
  /// A command-line flag given last, without its value.
  case missingValue(flag: String)

  public var description: String {
    switch self {
    case .unknownScheme(let name, let source, let valid):
      return "unknown scheme '\(name)' (from \(source)); valid schemes: \(valid.joined(separator: ", "))"
    case .invalidValue(let setting, let value, let source, let expected):
      return "invalid \(setting) '\(value)' (from \(source)); expected \(expected)"
    case .missingValue(let flag):
      return "\(flag) needs a value (\(flag) VALUE or \(flag)=VALUE)"
    }
  }
}
