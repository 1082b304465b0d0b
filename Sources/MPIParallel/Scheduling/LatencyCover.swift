/// The automatic high-water mark of one engine (`--hwm auto`): how many
/// load-balanced tasks to keep on it so that it does not sit idle while a
/// reply and its next task cross the network.
///
/// It learns from the times in the engine's own replies (its clock alone, so
/// hosts' clocks need not agree): each task's run time, and the round trip,
/// which is the engine's idle time between a task's end and the next task's
/// start when the hub had that next task waiting but had not sent it ahead.
/// The limit is then 1 + ⌈round trip / run time⌉, up to `cap`. Where the
/// round trip is under `negligible` of a task's run time the limit stays 1,
/// so long and uneven tasks keep the load balance of one task at a time.
struct LatencyCover: Sendable, Equatable {
  /// Smoothed run time and round trip, in seconds (0: not seen yet).
  private(set) var runTime = 0.0
  private(set) var roundTrip = 0.0
  /// The tasks the engine may hold at once.
  private(set) var limit = 1
  /// When the engine's last task ended (its clock), and whether its next
  /// start measures a round trip.
  private var lastCompleted = 0.0
  private var measuresNextStart = false

  static let cap = 64
  /// A round trip under this share of a task's run time is not worth a second task.
  static let negligible = 0.05
  /// How much of a new sample the smoothed values take.
  static let weight = 0.2

  /// A task ran on the engine from `started` to `completed`; `waitedForTheHub`:
  /// the engine holds nothing now while the hub has load-balanced work queued
  /// (so it sends the next task at once, and the engine's wait for it is a
  /// round trip). True when the limit changed.
  @discardableResult
  mutating func observe(started: Double, completed: Double, waitedForTheHub: Bool) -> Bool {
    let run = max(0, completed - started)
    runTime = runTime == 0 ? run : runTime + Self.weight * (run - runTime)
    if measuresNextStart, lastCompleted > 0 {
      let idle = started - lastCompleted
      if idle >= 0 { roundTrip = roundTrip == 0 ? idle : roundTrip + Self.weight * (idle - roundTrip) }
    }
    lastCompleted = completed
    measuresNextStart = waitedForTheHub
    let next = Self.limit(roundTrip: roundTrip, runTime: runTime)
    guard next != limit else { return false }
    limit = next
    return true
  }

  /// 1 + ⌈roundTrip / runTime⌉ up to `cap`; 1 where the round trip is negligible.
  static func limit(roundTrip: Double, runTime: Double) -> Int {
    guard roundTrip > 0, roundTrip.isFinite, runTime.isFinite else { return 1 }
    guard runTime > 0 else { return cap }
    let ratio = roundTrip / runTime
    guard ratio >= negligible else { return 1 }
    return ratio >= Double(cap) ? cap : min(cap, 1 + Int(ratio.rounded(.up)))
  }
}
