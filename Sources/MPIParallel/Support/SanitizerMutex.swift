// In the race detector's build only (Scripts/test --sanitize thread defines
// MPIPARALLEL_TSAN), this `Mutex` stands in for Synchronization's inside the
// runtime. Synchronization's Mutex hands a contended lock over through a
// futex in the uninstrumented Swift runtime, so Thread Sanitizer does not see
// that handover and reports the accesses it orders as races. This one takes a
// pthread mutex, which Thread Sanitizer follows. Ordinary builds use
// Synchronization's Mutex unchanged.
#if MPIPARALLEL_TSAN
  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Musl)
    import Musl
  #endif

  /// A value behind a pthread mutex, with the part of Synchronization's
  /// `Mutex` interface that the runtime uses.
  // Safe: `value` is only touched inside `withLock`, under `mutex`.
  final class Mutex<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var value: Value

    init(_ initialValue: consuming sending Value) {
      value = initialValue
      pthread_mutex_init(mutex, nil)
    }

    deinit {
      pthread_mutex_destroy(mutex)
      mutex.deallocate()
    }

    func withLock<Result: ~Copyable, E: Error>(
      _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
      pthread_mutex_lock(mutex)
      defer { pthread_mutex_unlock(mutex) }
      return try body(&value)
    }
  }
#endif
