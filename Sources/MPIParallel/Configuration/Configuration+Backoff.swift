extension Configuration {
  /// How the hub and the engines poll MPI while idle: spin for `spinFor`
  /// seconds after the last activity, then yield the core until `yieldFor`,
  /// then sleep, starting at `minSleep` and doubling up to `maxSleep`.
  /// Shorter sleeps answer faster and cost more CPU while idle.
  ///
  /// As text (`MPIPARALLEL_BACKOFF`, `--backoff`): comma-separated `key=value`
  /// pairs with keys `spin`, `yield`, `min-sleep`, `max-sleep` and values in
  /// seconds, optionally with a unit `s`, `ms` or `us`: `max-sleep=500us,spin=0`.
  public struct Backoff: Sendable, Equatable, CustomStringConvertible {
    /// How long after the last activity the loop keeps spinning (seconds; default 50 µs).
    public var spinFor: Double
    /// How long after the last activity the loop keeps yielding (seconds; default 2 ms).
    public var yieldFor: Double
    /// The first sleep (seconds; default 20 µs), doubled at each idle round up to `maxSleep`.
    public var minSleep: Double
    /// The longest sleep between two polls (seconds; default 1 ms).
    public var maxSleep: Double

    /// A back-off; every value left out keeps its default.
    public init(
      spinFor: Double = 50e-6, yieldFor: Double = 2e-3, minSleep: Double = 20e-6, maxSleep: Double = 1e-3
    ) {
      self.spinFor = spinFor
      self.yieldFor = yieldFor
      self.minSleep = minSleep
      self.maxSleep = maxSleep
    }

    /// `spin=50us,yield=2ms,min-sleep=20us,max-sleep=1ms`.
    public var description: String {
      "spin=\(Self.format(spinFor)),yield=\(Self.format(yieldFor)),"
        + "min-sleep=\(Self.format(minSleep)),max-sleep=\(Self.format(maxSleep))"
    }

    /// Reads `text` (see the type's documentation) over these values.
    public func parsing(_ text: String, source: String) throws(ConfigurationError) -> Backoff {
      var result = self
      let expected =
        "comma-separated key=value with keys spin, yield, min-sleep, max-sleep and values like 50us, 2ms, 0.001"
      for pair in text.split(separator: ",", omittingEmptySubsequences: true) {
        let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
        guard parts.count == 2, let seconds = Self.seconds(parts[1]) else {
          throw .invalidValue(setting: "backoff", value: text, source: source, expected: expected)
        }
        switch parts[0] {
        case "spin": result.spinFor = seconds
        case "yield": result.yieldFor = seconds
        case "min-sleep": result.minSleep = seconds
        case "max-sleep": result.maxSleep = seconds
        default: throw .invalidValue(setting: "backoff", value: text, source: source, expected: expected)
        }
      }
      try result.validate(source: source)
      return result
    }

    /// Throws when a value is negative or the sleeps are out of order.
    func validate(source: String) throws(ConfigurationError) {
      for value in [spinFor, yieldFor, minSleep, maxSleep] where !(value >= 0) || !value.isFinite {
        throw .invalidValue(
          setting: "backoff", value: description, source: source, expected: "durations of 0 or more")
      }
      guard minSleep > 0, maxSleep >= minSleep else {
        throw .invalidValue(
          setting: "backoff", value: description, source: source,
          expected: "min-sleep above 0 and max-sleep at least min-sleep")
      }
    }

    /// `"50us"`, `"2ms"`, `"0.5s"`, `"0.001"` in seconds; nil when not a duration.
    static func seconds(_ text: String) -> Double? {
      let units: [(String, Double)] = [("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1)]
      for (suffix, scale) in units where text.hasSuffix(suffix) {
        return Double(text.dropLast(suffix.count)).map { $0 * scale }
      }
      return Double(text)
    }

    private static func format(_ seconds: Double) -> String {
      if seconds == 0 { return "0" }
      let micro = seconds * 1e6
      if micro < 1000, micro == micro.rounded() { return "\(Int(micro))us" }
      let milli = seconds * 1e3
      if milli == milli.rounded() { return "\(Int(milli))ms" }
      return "\(seconds)s"
    }
  }
}

extension Substring {
  fileprivate func trimmingSpaces() -> String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
