import Logging

extension Configuration {
  /// A setting that the environment and the command line can change: `--KEY`
  /// on the command line, `MPIPARALLEL_KEY` (upper case, `_` for `-`) in the environment.
  public enum Key: String, CaseIterable, Sendable {
    case scheme
    case hwm
    case backoff
    case journal
    case profile
    case logLevel = "log-level"
    case serve
    case servePort = "serve-port"
    case ip
    case frameLimit = "frame-limit"
    case stallTimeout = "stall-timeout"
    case engineTimeout = "engine-timeout"
    case replaceLost = "replace-lost"
    case handshakeTimeout = "handshake-timeout"
    case idleTimeout = "idle-timeout"
    case maxUnsigned = "max-unsigned"
    case maxUnsignedPerAddress = "max-unsigned-per-address"
    case keptResults = "kept-results"

    /// The command-line flag, for example `--log-level`.
    public var flag: String { "--" + rawValue }

    /// The environment variable, for example `MPIPARALLEL_LOG_LEVEL`.
    public var variable: String {
      "MPIPARALLEL_" + rawValue.uppercased().map { $0 == "-" ? "_" : $0 }.map(String.init).joined()
    }

    /// Whether the flag stands alone (`--serve`) rather than taking a value.
    var isSwitch: Bool { self == .serve || self == .replaceLost }
  }

  /// The three layers at once: this configuration (code), checked, then
  /// `environment`, then the runtime's flags among `arguments` (the program's
  /// arguments without its name). Returns the result and the arguments left
  /// for the program.
  public func resolved(environment: [String: String], arguments: [String]) throws(ConfigurationError) -> (
    configuration: Configuration, remaining: [String]
  ) {
    try validate(source: "code")
    return try applyingEnvironment(environment).applyingArguments(arguments)
  }

  /// This configuration with the `MPIPARALLEL_*` variables of `environment`
  /// applied (empty values are ignored).
  public func applyingEnvironment(_ environment: [String: String]) throws(ConfigurationError) -> Configuration
  {
    var result = self
    for key in Key.allCases {
      guard let value = environment[key.variable], !value.isEmpty else { continue }
      try result.set(key, value, source: "environment variable \(key.variable)")
    }
    try result.validate(source: "environment")
    return result
  }

  /// This configuration with the runtime's flags in `arguments` applied (up
  /// to a `--`, which stays for the program), and the arguments that are
  /// not the runtime's, in order.
  public func applyingArguments(_ arguments: [String]) throws(ConfigurationError) -> (
    configuration: Configuration, remaining: [String]
  ) {
    var result = self
    var remaining: [String] = []
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      index += 1
      if argument == "--" {
        remaining += arguments[(index - 1)...]
        break
      }
      guard let (key, inlineValue) = Self.match(argument) else {
        remaining.append(argument)
        continue
      }
      let value: String
      if let inlineValue {
        value = inlineValue
      } else if key.isSwitch {
        value = "true"
      } else if index < arguments.endIndex, !arguments[index].hasPrefix("--") {
        value = arguments[index]
        index += 1
      } else {
        throw .missingValue(flag: key.flag)
      }
      try result.set(key, value, source: "command-line flag \(key.flag)")
    }
    try result.validate(source: "command line")
    return (result, remaining)
  }

  /// `arguments` without the runtime's flags and their values (up to a
  /// `--`), without checking the values: what a program that reads its
  /// arguments before `Cluster.run` should parse. The first element (the
  /// program's name) is kept.
  public static func programArguments(_ arguments: [String]) -> [String] {
    guard let name = arguments.first else { return [] }
    var remaining = [name]
    var index = 1
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument == "--" {
        remaining += arguments[(index - 1)...]
        break
      }
      guard let (key, inlineValue) = match(argument) else {
        remaining.append(argument)
        continue
      }
      if inlineValue == nil, !key.isSwitch, index < arguments.count, !arguments[index].hasPrefix("--") {
        index += 1
      }
    }
    return remaining
  }

  /// The key of a runtime flag (`--hwm` or `--hwm=4`) and its inline value.
  private static func match(_ argument: String) -> (Key, String?)? {
    guard argument.hasPrefix("--") else { return nil }
    let body = argument.dropFirst(2)
    let name = body.prefix { $0 != "=" }
    guard let key = Key(rawValue: String(name)) else { return nil }
    let inline = body.count > name.count ? String(body.dropFirst(name.count + 1)) : nil
    return (key, inline)
  }

  /// Sets one setting from text.
  mutating func set(_ key: Key, _ value: String, source: String) throws(ConfigurationError) {
    switch key {
    case .scheme:
      guard let scheme = Scheme(rawValue: value.lowercased()) else {
        throw .unknownScheme(value, source: source, valid: Scheme.allCases.map(\.rawValue))
      }
      self.scheme = scheme
    case .hwm:
      if value.lowercased() == "auto" {
        automaticHighWaterMark = true
        return
      }
      guard let number = Int(value), number >= 0 else {
        throw .invalidValue(
          setting: "hwm", value: value, source: source,
          expected: "auto, 0 (no limit) or a positive number of tasks per engine")
      }
      highWaterMark = number
      automaticHighWaterMark = false
    case .backoff:
      backoff = try backoff.parsing(value, source: source)
    case .journal:
      journal = value
    case .profile:
      profile = value
    case .logLevel:
      guard let level = Logger.Level(rawValue: value.lowercased()) else {
        throw .invalidValue(
          setting: "log-level", value: value, source: source,
          expected: "one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
      }
      logLevel = level
    case .serve:
      serve = try Self.switchValue(value, of: key, source: source)
    case .servePort:
      guard let port = Int(value), (0...65535).contains(port) else {
        throw .invalidValue(
          setting: "serve-port", value: value, source: source,
          expected: "a TCP port, 1...65535 (0: any free one)")
      }
      servePort = port
    case .ip:
      guard !value.isEmpty, !value.contains(" ") else {
        throw .invalidValue(
          setting: "ip", value: value, source: source, expected: "an IP address or host name")
      }
      serveIP = value
    case .frameLimit:
      guard let bytes = Int(value), bytes >= 1024 else {
        throw .invalidValue(
          setting: "frame-limit", value: value, source: source, expected: "at least 1024 bytes")
      }
      frameLimit = bytes
    case .stallTimeout:
      guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
        throw .invalidValue(
          setting: "stall-timeout", value: value, source: source, expected: "a positive number of seconds")
      }
      stallTimeout = seconds
    case .engineTimeout:
      guard let seconds = Double(value), seconds >= 0.1, seconds <= 3600 else {
        throw .invalidValue(
          setting: "engine-timeout", value: value, source: source, expected: "seconds, from 0.1 to 3600")
      }
      engineTimeout = seconds
    case .replaceLost:
      replaceLostEngines = try Self.switchValue(value, of: key, source: source)
    case .handshakeTimeout, .idleTimeout, .maxUnsigned, .maxUnsignedPerAddress, .keptResults:
      _ = try steeringLimits.set(key, value, source: source)
    }
  }

  /// A switch's value (`--serve`, `MPIPARALLEL_SERVE=1`): on or off.
  private static func switchValue(_ value: String, of key: Key, source: String) throws(ConfigurationError) -> Bool {
    switch value.lowercased() {
    case "1", "true", "yes", "on": return true
    case "0", "false", "no", "off": return false
    default:
      throw .invalidValue(
        setting: key.rawValue, value: value, source: source, expected: "1/true/yes/on or 0/false/no/off")
    }
  }
}
