#if canImport(Glibc)
  import Glibc
#endif

/// The idle policy of a polling loop. OpenMPI's blocking receive spins a whole
/// core, so the hub and the engines poll receives posted ahead instead: spin
/// briefly after activity (latency), then yield the core, then sleep for
/// growing intervals up to `maxSleep` (an idle engine then costs well under
/// 1% of a core). Any activity resets it. Pure but for `pause()`, which acts:
/// the caller reports the time.
struct Backoff: Sendable {
  /// What the polling loop does next.
  enum Action: Equatable, Sendable {
    case spin
    case yield
    case sleep(Double)
  }

  /// The thresholds of a back-off, in seconds.
  struct Settings: Equatable, Sendable {
    /// How long after the last activity the loop keeps spinning.
    var spinFor: Double = 50e-6
    /// How long after the last activity the loop keeps yielding.
    var yieldFor: Double = 2e-3
    /// The first sleep, doubled at each idle round up to `maxSleep`.
    var minSleep: Double = 20e-6
    /// The longest sleep between two polls.
    var maxSleep: Double = 1e-3
    /// After this long without activity the loop is idle for real, and sleeps
    /// may grow to `deepSleep` (fewer wake-ups; the first message after a
    /// long quiet waits a little longer).
    var deepAfter: Double = 50e-3
    /// The longest sleep once deeply idle.
    var deepSleep: Double = 4e-3
  }

  /// The settings every new back-off starts with (the runtime's configuration sets them at start-up).
  // Safe: set by Cluster.run before it starts the hub thread or the engine loop; only read from then on.
  nonisolated(unsafe) static var defaults = Settings()

  var spinFor: Double
  var yieldFor: Double
  var minSleep: Double
  var maxSleep: Double
  var deepAfter: Double
  var deepSleep: Double

  private var lastActivity: Double
  private var nextSleep: Double

  init(now: Double, settings: Settings = Backoff.defaults) {
    spinFor = settings.spinFor
    yieldFor = settings.yieldFor
    minSleep = settings.minSleep
    maxSleep = settings.maxSleep
    deepAfter = settings.deepAfter
    deepSleep = settings.deepSleep
    lastActivity = now
    nextSleep = settings.minSleep
  }

  /// Something happened: poll hot again.
  mutating func reset(now: Double) {
    lastActivity = now
    nextSleep = minSleep
  }

  /// Nothing happened in the last poll: spins on, yields the core or
  /// sleeps, as `idle(now:)` says.
  mutating func pause() {
    switch idle(now: MonotonicClock.now()) {
    case .spin: break
    case .yield: sched_yield()
    case .sleep(let seconds): MonotonicClock.sleep(seconds)
    }
  }

  /// Nothing happened in the last poll: what to do before the next one.
  mutating func idle(now: Double) -> Action {
    let quiet = now - lastActivity
    if quiet < spinFor { return .spin }
    if quiet < yieldFor { return .yield }
    let sleep = nextSleep
    nextSleep = min(quiet < deepAfter ? maxSleep : Swift.max(maxSleep, deepSleep), nextSleep * 2)
    return .sleep(sleep)
  }
}
