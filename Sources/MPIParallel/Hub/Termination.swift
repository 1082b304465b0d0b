import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A batch system ends a job at its wall-time limit with SIGTERM (mpirun
/// passes it to every rank). With a journal, rank 0 then writes what it
/// has not written yet and marks the run as terminated, so the next run
/// resumes from there, and exits.
enum Termination {
  /// Set once by the SIGTERM handler (a lock-free atomic store is safe in a
  /// signal handler); polled by the hub's loop and the thread below.
  private static let requested = Atomic<Bool>(false)
  /// Whether a pass of the hub's loop is running (set by `iterate`, read by
  /// the thread below after SIGTERM, to wait out the one pass still running).
  static let passRunning = Atomic<Bool>(false)

  /// What the thread that handles SIGTERM writes and removes.
  private struct Targets {
    weak var hub: Hub?
    var installed = false
    /// The steering connection file to remove on the way out.
    var connectionFile: String?
  }
  private static let targets = Mutex(Targets())

  /// SIGTERM arrived: the hub's loop does no more work (no result completes
  /// after the journal's last write, so every result the driver saw is in it).
  static var isRequested: Bool { requested.load(ordering: .acquiring) }

  /// Installs the SIGTERM handler for `hub` (rank 0, with a journal).
  static func flushOnSignal(_ hub: Hub) {
    targets.withLock { $0.hub = hub }
    install()
  }

  /// On SIGTERM, removes `path` (a served job's connection file) before exiting;
  /// nil forgets it (the job removed it itself).
  static func removeOnSignal(_ path: String?) {
    targets.withLock { $0.connectionFile = path }
    if path != nil { install() }
  }

  private static func install() {
    let first: Bool = targets.withLock { targets in
      defer { targets.installed = true }
      return !targets.installed
    }
    guard first else { return }
    signal(SIGTERM) { _ in Termination.requested.store(true, ordering: .releasing) }
    Thread.detachNewThread {
      while !requested.load(ordering: .acquiring) { MonotonicClock.sleep(5e-3) }
      // Let a pass that was running finish; later passes do nothing.
      while passRunning.load(ordering: .acquiring) { MonotonicClock.sleep(1e-3) }
      let (hub, file) = targets.withLock { ($0.hub, $0.connectionFile) }
      if let file { unlink(file) }
      if let hub, let journal = hub.journal {
        StandardStreams.writeError("MPIParallel: terminated; writing the journal before exiting\n")
        try? journal.flush()
        try? journal.endRun(hub.journalRun, how: .terminated)
        try? journal.close()
      }
      _exit(143)
    }
  }
}
