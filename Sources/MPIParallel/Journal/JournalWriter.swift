import Foundation
import Synchronization

/// The journal's background writer: callers queue records under a lock and
/// return; one thread writes what is queued in one transaction every
/// ``interval`` seconds, or as soon as ``batchLimit`` records wait, or at
/// once when someone flushes.
///
/// Writing stages a batch (see `JournalStaging`); the thread moves staged
/// batches into the journal's table of tasks once no record has come for
/// `MovePolicy.idleBeforeMoving` seconds, a few batches at a time, so that
/// new records do not wait long behind a move. While more than
/// `MovePolicy.stagedRecordLimit` records are staged it also moves, after
/// each write, at least as many as that write staged, so that a farm that
/// never pauses does not stage without bound.
///
/// The thread holds only this object (not the `Journal`), so a journal that
/// is dropped without `close()` can still stop it from its `deinit`.
// Safe: the vars are touched under `lock` (a batch swapped out under it is the writer thread's alone).
final class JournalWriter: @unchecked Sendable {
  /// The longest a record waits before the writer takes it.
  static let interval = 0.05
  /// A batch this large is written without waiting out the interval.
  static let batchLimit = 2_000

  /// When the thread moves staged records into the table of tasks.
  struct MovePolicy {
    /// How long the thread waits for new records before moving staged ones.
    var idleBeforeMoving = 0.2
    /// Staged records past which every write is followed by a move.
    var stagedRecordLimit = 4_000_000
  }

  private let lock = ConditionLock()
  /// Records waiting for the writer, packed.
  private var pending = JournalBatch()
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
  private let write: @Sendable (JournalBatch) throws -> Void
  private let move: @Sendable () throws -> Int
  private let policy: MovePolicy
  private let path: String

  /// Starts the writer thread; `write` stages one batch (in one
  /// transaction); `move` moves a few staged batches into the table of
  /// tasks and returns how many records moved (0: none were staged).
  init(
    path: String, policy: MovePolicy = MovePolicy(), write: @escaping @Sendable (JournalBatch) throws -> Void,
    move: @escaping @Sendable () throws -> Int
  ) {
    self.path = path
    self.policy = policy
    self.write = write
    self.move = move
    let thread = Thread { [self] in run() }
    thread.name = "mpiparallel-journal"
    thread.start()
  }

  /// Queues a record: `pack` appends it to the batch waiting for the
  /// writer, under the lock. Ignored once stopped. Returns its sequence
  /// number: it is written once `writtenCount` reaches it.
  @discardableResult
  func append(_ pack: (JournalBatch) -> Void) -> Int {
    lock.lock()
    defer { lock.unlock() }
    if !stopping {
      pack(pending)
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
    var batch = JournalBatch()
    // Records this thread staged and has not moved yet (an estimate: reads
    // move staged batches too).
    var staged = 0
    lock.lock()
    while true {
      if pending.isEmpty && !stopping && staged > 0 {
        let deadline = MonotonicClock.now() + policy.idleBeforeMoving
        while pending.isEmpty && !stopping && MonotonicClock.now() < deadline { lock.wait(until: deadline) }
        while pending.isEmpty && !stopping && staged > 0 {
          lock.unlock()
          staged = moveStaged(staged)
          lock.lock()
        }
      }
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
      batch.removeAll()
      if problem == nil { staged += count }
      lock.lock()
      written.add(count, ordering: .releasing)
      if let problem, failure == nil { failure = problem }
      lock.broadcast()
      // Past the limit, move at least as many as were just staged, so that
      // the staged records stop growing (after publishing the write, so
      // that no result waits for the move).
      var owed = staged > policy.stagedRecordLimit ? count : 0
      if owed > 0 {
        lock.unlock()
        while owed > 0 && staged > 0 {
          let before = staged
          staged = moveStaged(staged)
          owed -= before - staged
        }
        lock.lock()
      }
    }
    stopped = true
    lock.broadcast()
    lock.unlock()
  }

  /// Moves a few staged batches; returns how many records are still staged
  /// (0 when none moved, or when moving failed: the batches then stay
  /// staged for the next read or open to move, or to report).
  private func moveStaged(_ staged: Int) -> Int {
    do {
      let moved = try move()
      return moved == 0 ? 0 : max(staged - moved, 1)
    } catch {
      RuntimeLog.hub.warning("journal \(path): moving staged records failed: \(error)")
      return 0
    }
  }
}
