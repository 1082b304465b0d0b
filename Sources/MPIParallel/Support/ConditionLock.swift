#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A mutex with a condition variable on the monotonic clock: the one lock the
/// runtime uses between the driver's threads and the hub thread.
// Safe: a pthread mutex and condition are made to be shared between threads; the pointers never change.
final class ConditionLock: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  init() {
    pthread_mutex_init(mutex, nil)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  func lock() { pthread_mutex_lock(mutex) }
  func unlock() { pthread_mutex_unlock(mutex) }
  /// Takes the lock if it is free; true when taken.
  func tryLock() -> Bool { pthread_mutex_trylock(mutex) == 0 }

  @inline(__always)
  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }

  /// Wakes every waiter. Call with or without the lock held.
  func broadcast() { pthread_cond_broadcast(condition) }

  /// Waits (the lock must be held) until woken or until `deadline` on the
  /// monotonic clock passes. Returns false when the deadline passed.
  @discardableResult
  func wait(until deadline: Double?) -> Bool {
    guard let deadline else {
      pthread_cond_wait(condition, mutex)
      return true
    }
    var time = timespec()
    time.tv_sec = Int(deadline)
    time.tv_nsec = Int((deadline - Double(time.tv_sec)) * 1e9)
    return pthread_cond_timedwait(condition, mutex, &time) == 0
  }
}
