import Foundation
import Synchronization

/// The journal's background writer: callers queue records under a lock and
/// return; one thread writes what is queued in one transaction every
/// ``interval`` seconds, or as soon as ``batchLimit`` records wait, or at
/// once when someone flushes.
///
/// The thread holds only this object (not the `Journal`), so a journal that
/// is dropped without `close()` can still stop it from its `deinit`.
final class JournalWriter: @unchecked Sendable {
  /// The longest a record waits before the writer takes it.
  static let interval = 0.05
  /// A batch this large is written without waiting out the interval.
  static let batchLimit = 2_000

  private let lock = ConditionLock()
  /// Records waiting for the writer.
  private var pending: [JournalRecord] = []
  /// How many records were appended so far.
  private var appended = 0
  /// How many were written so far, counting those a failed batch lost (so
  /// that flushes do not wait forever). Changed only under the lock; read
  /// without it by the hub on every pass.
  private let written = Atomic<Int>(0)
  /// The highest `appended` count a flush waits for.
  private var flushTarget = 0
  private var stopping = false
  private var stopped = false
  /// The first write that failed; every later flush reports it.
  private var failure: JournalError?
  private let write: ([JournalRecord]) throws -> Void
  private let path: String

  /// Starts the writer thread; `write` writes one batch (in one transaction).
  init(path: String, write: @escaping ([JournalRecord]) throws -> Void) {
    self.path = path
    self.write = write
    let thread = Thread { [self] in run() }
    thread.name = "mpiparallel-journal"
    thread.start()
  }

  /// Queues a record: a lock and an append. Ignored once stopped. Returns
  /// its sequence number: it is written once `writtenCount` reaches it.
  @discardableResult
  func append(_ record: JournalRecord) -> Int {
    lock.lock()
    defer { lock.unlock() }
    if !stopping {
      pending.append(record)
      appended += 1
      // Wake the writer when it may sleep without a deadline (queue was
      // empty) or when a full batch waits.
      if pending.count == 1 || pending.count == Self.batchLimit { lock.broadcast() }
    }
    return appended
  }

  /// How many records have been written (sequence numbers up to it are in the file).
  var writtenCount: Int { written.load(ordering: .acquiring) }

  /// Asks the writer to write what is queued now instead of at the end of
  /// its batch interval; does not wait.
  func hurry() {
    lock.lock()
    if flushTarget < appended {
      flushTarget = appended
      lock.broadcast()
    }
    lock.unlock()
  }

  /// Blocks until every record appended so far is written; throws the
  /// first write error, if any.
  func flush() throws {
    lock.lock()
    let target = appended
    if written.load(ordering: .relaxed) < target && !stopped {
      flushTarget = max(flushTarget, target)
      lock.broadcast()
      while written.load(ordering: .relaxed) < target && !stopped { lock.wait(until: nil) }
    }
    let failure = self.failure
    lock.unlock()
    if let failure { throw failure }
  }

  /// Writes what is queued, stops the thread and waits for it to end;
  /// throws the first write error, if any.
  func stop() throws {
    lock.lock()
    stopping = true
    lock.broadcast()
    while !stopped { lock.wait(until: nil) }
    let failure = self.failure
    lock.unlock()
    if let failure { throw failure }
  }

  private func run() {
    var batch: [JournalRecord] = []
    lock.lock()
    while true {
      while pending.isEmpty && !stopping { lock.wait(until: nil) }
      if pending.isEmpty { break }  // stopping, nothing left
      let deadline = MonotonicClock.now() + Self.interval
      while pending.count < Self.batchLimit && flushTarget <= written.load(ordering: .relaxed) && !stopping
        && MonotonicClock.now() < deadline
      {
        lock.wait(until: deadline)
      }
      // Swap buffers so that both keep their capacity across batches.
      swap(&pending, &batch)
      lock.unlock()
      var problem: JournalError?
      do {
        try write(batch)
      } catch let failure as JournalError {
        problem = failure
      } catch {
        problem = .io(path: path, reason: "writing \(batch.count) records failed: \(error)")
      }
      let count = batch.count
      batch.removeAll(keepingCapacity: true)
      lock.lock()
      written.add(count, ordering: .releasing)
      if let problem, failure == nil { failure = problem }
      lock.broadcast()
    }
    stopped = true
    lock.broadcast()
    lock.unlock()
  }
}
