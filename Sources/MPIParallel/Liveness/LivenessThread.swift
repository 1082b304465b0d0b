import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A named thread that can be joined, and that knows whether it is the
/// caller's (so that a stop requested from inside its own callback does not
/// wait for itself).
// Safe: `isFinished` is only touched under `finished`'s lock; `owner` is atomic.
final class LivenessThread: @unchecked Sendable {
  private let finished = ConditionLock()
  private var isFinished = false
  /// The running thread's pthread id (0 until it starts).
  private let owner = Atomic<UInt>(0)

  /// Starts `body` on a new thread called `name`.
  init(name: String, body: @escaping @Sendable () -> Void) {
    let thread = Thread { [self] in
      owner.store(pthread_self(), ordering: .releasing)
      body()
      finished.withLock { isFinished = true }
      finished.broadcast()
    }
    thread.name = name
    thread.start()
  }

  /// Whether the caller runs on this thread.
  var isCurrent: Bool { owner.load(ordering: .acquiring) == pthread_self() }

  /// Waits until the body has returned.
  func join() {
    finished.withLock {
      while !isFinished { finished.wait(until: nil) }
    }
  }
}
