extension Configuration {
  /// What the steering hub allows a connection before and after it proves
  /// the job's key (see the README's security paragraph). A peer that can
  /// reach the port but lacks the key holds at most `maxUnsigned`
  /// connections (`maxUnsignedPerAddress` from one address), each for at
  /// most `handshakeTimeout` seconds and 64 KiB of buffer; a client with the
  /// key is dropped after `idleTimeout` seconds without a request of its own
  /// in progress, and opens a new connection when it next asks.
  public struct SteeringLimits: Sendable, Equatable {
    /// Seconds a new connection has to send a validly signed request
    /// (`--handshake-timeout`, `MPIPARALLEL_HANDSHAKE_TIMEOUT`; default 10).
    public var handshakeTimeout = 10.0
    /// Seconds a connection that has proved the key may sit idle
    /// (`--idle-timeout`, `MPIPARALLEL_IDLE_TIMEOUT`; default 120).
    public var idleTimeout = 120.0
    /// Connections held at most before they send a signed request; a new one
    /// past it closes the oldest (`--max-unsigned`, `MPIPARALLEL_MAX_UNSIGNED`; default 64).
    public var maxUnsigned = 64
    /// The same, from one remote address (`--max-unsigned-per-address`,
    /// `MPIPARALLEL_MAX_UNSIGNED_PER_ADDRESS`; default 32).
    public var maxUnsignedPerAddress = 32
    /// Bytes of finished jobs' results the hub keeps for clients to read
    /// again (`--kept-results`, `MPIPARALLEL_KEPT_RESULTS`; default 1 GiB,
    /// as ipyparallel's in-memory store): past it the oldest finished jobs
    /// are forgotten, all but the newest.
    public var keptResultBytes = 1 << 30

    public init() {}

    static let mostKeptBytes = 1 << 50

    static let longestTimeout = 86_400.0
    static let mostConnections = 1 << 20

    /// Reads `key`'s `value` into these limits; false when `key` is not one of them.
    mutating func set(_ key: Key, _ value: String, source: String) throws(ConfigurationError) -> Bool {
      switch key {
      case .handshakeTimeout: handshakeTimeout = try Self.seconds(value, key, source)
      case .idleTimeout: idleTimeout = try Self.seconds(value, key, source)
      case .maxUnsigned: maxUnsigned = try Self.count(value, key, source)
      case .maxUnsignedPerAddress: maxUnsignedPerAddress = try Self.count(value, key, source)
      case .keptResults: keptResultBytes = try Self.bytes(value, key, source)
      default: return false
      }
      return true
    }

    /// Throws for a value out of range (set in code).
    func validate(source: String) throws(ConfigurationError) {
      for (key, seconds) in [(Key.handshakeTimeout, handshakeTimeout), (.idleTimeout, idleTimeout)] {
        _ = try Self.seconds(String(seconds), key, source)
      }
      for (key, count) in [(Key.maxUnsigned, maxUnsigned), (.maxUnsignedPerAddress, maxUnsignedPerAddress)] {
        _ = try Self.count(String(count), key, source)
      }
      _ = try Self.bytes(String(keptResultBytes), .keptResults, source)
    }

    private static func seconds(_ value: String, _ key: Key, _ source: String) throws(ConfigurationError)
      -> Double
    {
      guard let seconds = Double(value), seconds >= 0.1, seconds <= longestTimeout else {
        throw .invalidValue(
          setting: key.rawValue, value: value, source: source,
          expected: "seconds, from 0.1 to \(Int(longestTimeout))")
      }
      return seconds
    }

    private static func bytes(_ value: String, _ key: Key, _ source: String) throws(ConfigurationError) -> Int
    {
      try number(
        value, in: 0...mostKeptBytes, key, source,
        "a number of bytes, from 0 (only the newest finished job) to \(mostKeptBytes)")
    }

    private static func count(_ value: String, _ key: Key, _ source: String) throws(ConfigurationError) -> Int
    {
      try number(
        value, in: 1...mostConnections, key, source, "a number of connections, from 1 to \(mostConnections)")
    }

    private static func number(
      _ value: String, in range: ClosedRange<Int>, _ key: Key, _ source: String, _ expected: String
    ) throws(ConfigurationError) -> Int {
      guard let number = Int(value), range.contains(number) else {
        throw .invalidValue(setting: key.rawValue, value: value, source: source, expected: expected)
      }
      return number
    }
  }
}
