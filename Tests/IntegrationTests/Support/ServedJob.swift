import Foundation
import MPIParallelSteering
import Synchronization
import XCTest

/// A job run with `--serve` under mpirun on a thread of its own (with the
/// harness's watchdog), for steering tests: wait for its connection file,
/// steer it, stop it, and read how it ended.
final class ServedJob: Sendable {
  let home: String
  let profile: String
  private let done = DispatchSemaphore(value: 0)
  /// How the run ended, once it has (`done` is signalled then).
  private let outcome = Mutex<Result<MPIRunResult, any Error>?>(nil)

  init(
    _ product: String = "mpp-testapp", ranks: Int, profile: String = "test", extraArguments: [String] = [],
    serve: Bool = true, timeout: Double = 120
  ) {
    home = NSTemporaryDirectory() + "mpp-served-\(getpid())-\(UUID().uuidString.prefix(8))"
    self.profile = profile
    let arguments = (serve ? ["--serve"] : []) + ["--profile", profile, "--serve-port", "0"] + extraArguments
    let environment = ["MPIPARALLEL_HOME": home]
    Thread.detachNewThread { [self] in
      let result = Result {
        try MPIRun.run(
          product, ranks: ranks, arguments: arguments, environment: environment, timeout: timeout)
      }
      outcome.withLock { $0 = result }
      done.signal()
    }
  }

  var connectionFile: String { home + "/profile_\(profile)/client.json" }

  /// Waits for the connection file; fails (with the job's output) if the job ends first.
  func waitUntilServing(timeout: Double = 60) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if FileManager.default.fileExists(atPath: connectionFile),
        (try? ConnectionFile.read(from: connectionFile)) != nil
      {
        return connectionFile
      }
      if done.wait(timeout: .now() + 0.1) == .success {
        done.signal()
        let ended = try outcome.withLock { $0 }!.get()
        throw ServedJobEnded(result: ended)
      }
    }
    throw SteeringError.timedOut("no connection file at \(connectionFile) after \(timeout) s")
  }

  /// Waits for the job to end (the watchdog ends it at its timeout).
  func finish(timeout: Double = 60) throws -> MPIRunResult? {
    guard done.wait(timeout: .now() + timeout) == .success else { return nil }
    done.signal()
    return try outcome.withLock { $0 }!.get()
  }

  /// Asks the job to stop if it still serves (for tearDown after a failure).
  func stopQuietly() {
    if let client = try? Client(connectionFile: connectionFile) { try? client.stop() }
    _ = try? finish(timeout: 30)
    try? FileManager.default.removeItem(atPath: home)
  }
}

struct ServedJobEnded: Error, CustomStringConvertible {
  let result: MPIRunResult
  var description: String { "the served job ended before serving: \(result.describe())" }
}
