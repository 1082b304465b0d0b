/// How often the liveness channel's two ends send heartbeats, and how long
/// either end waits in silence before it gives the other up.
struct LivenessSettings: Sendable, Equatable {
  /// Seconds between heartbeats, each way.
  var interval: Double = 0.5
  /// Seconds of silence after which the other end is lost; also how long
  /// the hub waits for an expected engine to connect, and how long an engine
  /// waits for the hub's welcome on each address it tries.
  var timeout: Double = 5
  /// Seconds an engine waits for a TCP connection to each of the hub's
  /// addresses before it tries the next.
  var connectTimeout: Double = 1
}
