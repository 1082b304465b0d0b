/// Refuses a request seen before: each nonce is accepted once, and a request
/// older (or newer) than the window is refused outright, so the nonces to
/// remember are only the window's.
public struct ReplayGuard: Sendable {
  /// How far a request's time may be from the hub's clock, in seconds.
  public let window: Double
  private var seen: [String: Double] = [:]
  private var nextPrune = 0.0

  public init(window: Double = 300) {
    self.window = window
  }

  /// Admits a request made at `time` with `nonce`, now being `now`; throws why not.
  public mutating func admit(nonce: String, time: Double, now: Double) throws {
    guard !nonce.isEmpty, nonce.utf8.count <= 128 else {
      throw SteeringError.refused("the request has no usable nonce")
    }
    guard time.isFinite, abs(now - time) <= window else {
      throw SteeringError.refused(
        "the request's time is more than \(Int(window)) s from the hub's clock (replayed, or clocks apart)")
    }
    if now >= nextPrune {
      seen = seen.filter { now - $0.value <= window }
      nextPrune = now + window / 10
    }
    guard seen[nonce] == nil else {
      throw SteeringError.refused("replayed request (nonce \(nonce) seen before)")
    }
    seen[nonce] = time
  }

  /// Nonces remembered now.
  public var remembered: Int { seen.count }
}
