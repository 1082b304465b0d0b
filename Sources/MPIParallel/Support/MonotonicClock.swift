#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Seconds on the monotonic clock (for deadlines) and on the wall clock (for
/// task times shown to users).
enum MonotonicClock {
  @inline(__always)
  static func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  @inline(__always)
  static func wallNow() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// Sleeps the calling thread for `seconds`.
  static func sleep(_ seconds: Double) {
    var request = timespec()
    request.tv_sec = Int(seconds)
    request.tv_nsec = Int((seconds - Double(request.tv_sec)) * 1e9)
    nanosleep(&request, nil)
  }
}
