import NIOPosix

/// The threads that compute the hub's answers: apart from the event loop
/// (which only moves bytes and checks small frames) and from Dispatch's
/// shared pool, and apart from one another, so that no kind of request can
/// hold up another:
///
/// - `quick`: what is answered from the hub's state in a moment (`hello`,
///   `engines`, `functions`, `status`, `result`, `abort`, `retire`);
/// - `work`: submissions, which encode every argument (`apply`, `map`,
///   `push`, `pull`, `scatter`, `gather`), `addEngines`, which waits for
///   the new engines, and the replies of waits that ended (which gather a
///   finished job's items);
/// - `bulk`: every request that came in a large frame: its signature check,
///   its decoding and its answer, one at a time, while the connection it
///   came on is not read.
///
/// A `wait` holds no thread while it waits (see ``SteeringBackend``), and
/// `stop` is answered on the event loop.
final class SteeringLanes: Sendable {
  enum Lane: Sendable {
    case quick, work, bulk
  }

  let quick: NIOThreadPool
  let work: NIOThreadPool
  let bulk: NIOThreadPool

  init(quickThreads: Int = 2, workThreads: Int = 4) {
    quick = NIOThreadPool(numberOfThreads: max(1, quickThreads))
    work = NIOThreadPool(numberOfThreads: max(1, workThreads))
    bulk = NIOThreadPool(numberOfThreads: 1)
  }

  func start() {
    for pool in [quick, work, bulk] { pool.start() }
  }

  /// Lets the threads end once their current work ends; work not started is dropped.
  func stop() {
    for pool in [quick, work, bulk] { pool.shutdownGracefully { _ in } }
  }

  func pool(_ lane: Lane) -> NIOThreadPool {
    switch lane {
    case .quick: return quick
    case .work: return work
    case .bulk: return bulk
    }
  }

  /// Runs `body` on `lane`'s threads (not at all once the lanes are stopped).
  func run(on lane: Lane, _ body: @escaping @Sendable () -> Void) {
    pool(lane).submit { state in
      guard case .active = state else { return }
      body()
    }
  }

  /// The lane whose threads compute the answer to `command` (from a small frame).
  static func lane(of command: SteeringCommand) -> Lane {
    switch command {
    case .hello, .engines, .functions, .status, .result, .abort, .retire, .stop: return .quick
    case .apply, .map, .push, .pull, .scatter, .gather, .addEngines, .wait, .arrivals: return .work
    }
  }
}
