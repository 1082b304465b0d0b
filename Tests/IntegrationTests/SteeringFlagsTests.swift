import Foundation
import MPIParallelSteering
import SteeringTestSupport
import XCTest

/// Task flags sent by the Swift steering client to a real served job
/// (`mpp-testapp --serve` under mpirun, 3 engines), and the hub's checks of
/// flags sent as raw requests. Each job ends by its MPIRun watchdog if a
/// test hangs.
final class SteeringFlagsTests: XCTestCase {
  func testRetriesDependenciesAndTimeoutsScheduleAClientsTasks() throws {
    let job = ServedJob(ranks: 4)
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let client = try Client(connectionFile: try job.waitUntilServing())
    XCTAssertEqual(client.ids, [0, 1, 2])
    let lview = client.loadBalancedView()

    // Retries: failOnLow fails on engines 0 and 1. Without retries some of
    // six calls fail; with two, each runs again on another engine until it
    // reaches engine 2.
    let calls = Array(repeating: JSONValue.array([]), count: 6)
    let plain = Array(lview.map("failOnLow", arguments: calls, as: Int.self))
    XCTAssertTrue(plain.contains { (try? $0.get()) == nil }, "no call failed without retries: \(plain)")
    let retried = lview.with(TaskFlags(retries: 2)).map("failOnLow", arguments: calls, as: Int.self)
    XCTAssertEqual(try retried.get(timeout: .seconds(60)), Array(repeating: 20, count: 6))
    XCTAssertEqual(try retried.taskIDs.map { try client.task($0).engine }, Array(repeating: 2, count: 6))

    // After: the quick task starts only once the slow one has finished,
    // though two engines are free all along.
    let slow = lview.apply("sleepFor", 1.0, as: Int.self)
    let quick = lview.with(TaskFlags(after: Dependency(slow))).apply("sleepFor", 0.0, as: Int.self)
    _ = try quick.get(timeout: .seconds(60))
    let slowRecord = try client.task(try XCTUnwrap(slow.taskID))
    let quickRecord = try client.task(try XCTUnwrap(quick.taskID))
    XCTAssertGreaterThanOrEqual(
      try XCTUnwrap(quickRecord.started), try XCTUnwrap(slowRecord.completed),
      "the task ran before the one it comes after finished: \(slowRecord) \(quickRecord)")

    // Follow: six tasks that would spread over three engines all run where
    // the task they follow ran.
    let first = lview.apply("sleepFor", 0.05, as: Int.self)
    let place = try first.get(timeout: .seconds(30))
    let spread = Set(try lview.map("sleepFor", Array(repeating: 0.2, count: 6), as: Int.self).get())
    XCTAssertGreaterThan(spread.count, 1, "unflagged tasks ran on one engine only: \(spread)")
    let followers = lview.withFlags(TaskFlags(follow: Dependency(first))) { view in
      view.map("sleepFor", Array(repeating: 0.2, count: 6), as: Int.self)
    }
    XCTAssertEqual(try followers.get(timeout: .seconds(60)), Array(repeating: place, count: 6))

    // A dependency timeout (IPython's `timeout`): a task after a 4 s task,
    // allowed 0.5 s to be scheduled, fails with the in-job error's kind long
    // before that task ends.
    let long = lview.apply("sleepFor", 4.0, as: Int.self)
    let began = Date()
    let late = lview.with(TaskFlags(after: Dependency(long), dependencyTimeout: .milliseconds(500)))
      .apply("square", 3, as: Int.self)
    XCTAssertThrowsError(try late.get(timeout: .seconds(30))) { error in
      guard case .remote(let failure) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(failure.type, "ParallelError.dependencyTimeout", "\(failure)")
      XCTAssertTrue(failure.message.contains("waited more than 0.5 s"), failure.message)
    }
    XCTAssertLessThan(Date().timeIntervalSince(began), 3.5, "the timeout waited for the task it comes after")
    XCTAssertFalse(long.isReady)
    // An outcome the dependency does not accept: the task after a failure
    // fails unless the dependency accepts failures.
    let failed = lview.apply("failIfOdd", 3, as: Int.self)
    let afterFailure = lview.with(TaskFlags(after: Dependency(failed))).apply("square", 4, as: Int.self)
    XCTAssertThrowsError(try afterFailure.get(timeout: .seconds(30))) { error in
      guard case .remote(let failure) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(failure.type, "ParallelError.impossibleDependency", "\(failure)")
    }
    let eitherWay = lview.with(TaskFlags(after: Dependency(failed, success: true, failure: true)))
    XCTAssertEqual(try eitherWay.apply("square", 5, as: Int.self).get(timeout: .seconds(30)), 25)

    // The run-time limit, under its own name.
    let limited = lview.with(TaskFlags(timeout: .milliseconds(300))).apply("sleepFor", 2.0, as: Int.self)
    XCTAssertThrowsError(try limited.get(timeout: .seconds(30))) { error in
      guard case .remote(let failure) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(failure.type, "ParallelError.taskTimeout", "\(failure)")
    }
    _ = try long.get(timeout: .seconds(30))

    try client.stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }

  func testBadFlagsAreRefusedNamingTheFlagAndTheJobKeepsServing() throws {
    let job = ServedJob(ranks: 3)
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let path = try job.waitUntilServing()
    let client = try Client(connectionFile: path)
    let known = try client.loadBalancedView().map("square", [1, 2], as: Int.self)
    XCTAssertEqual(try known.get(timeout: .seconds(30)), [1, 4])
    let link = try SteeringLink(path)
    /// Sends a map of `square` with `flags` as one signed request; the hub's reply.
    func ask(_ flags: SteeringTaskFlags) throws -> SteeringReply {
      try link.ask(
        .map(
          function: "square", items: [.array([.int(3)])], chunkSize: 1, ordered: true, targets: nil,
          flags: flags), timeout: 30)
    }
    func expectRefused(
      _ flags: SteeringTaskFlags, kind: String = "badArguments", saying text: String, line: UInt = #line
    ) throws {
      IntegrationTests.expectRefused(try ask(flags), kind: kind, saying: text, line: line)
    }

    try expectRefused(.init(retries: -1), saying: "map: retries must be 0 through 1000, not -1")
    try expectRefused(.init(retries: .max), saying: "retries must be 0 through 1000, not \(Int.max)")
    for seconds in [Double.nan, .infinity, -1, 0, 1e300] {
      try expectRefused(.init(timeout: seconds), saying: "map: timeout must be more than 0")
      try expectRefused(.init(runTimeout: seconds), saying: "map: runTimeout must be more than 0")
    }
    try expectRefused(
      .init(after: Dependency([known.taskIDs[0], 1_000_000])), kind: "unknownTask",
      saying: "map: after names task 1000000, which this hub has not given")
    try expectRefused(.init(follow: Dependency([Int.max])), kind: "unknownTask", saying: "follow names task")
    try expectRefused(.init(after: Dependency([0])), saying: "after names task 0; task ids start at 1")
    try expectRefused(.init(follow: Dependency([Int.min])), saying: "follow names task \(Int.min)")
    try expectRefused(
      .init(after: Dependency(1...10_001)),
      saying: "after names 10001 tasks; a dependency names at most 10000")
    try expectRefused(
      .init(follow: Dependency(known.taskIDs, success: false, failure: false)),
      saying: "follow must accept success, failure or both")
    // Through the client: the refusal is the result's error.
    XCTAssertThrowsError(
      try client.loadBalancedView().with(TaskFlags(retries: -2)).apply("square", 2, as: Int.self).get()
    ) { error in
      guard case .hub(let kind, let message) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(kind, "badArguments")
      XCTAssertTrue(message.contains("retries"), message)
    }

    // None of the refused requests made a task; good flags are taken.
    let good = try ask(
      .init(
        retries: 1, after: Dependency(known.taskIDs), follow: Dependency(known.taskIDs, mode: .any),
        timeout: 30))
    guard case .submitted(let submission)? = good.answer else { return XCTFail("\(good)") }
    XCTAssertEqual(submission.tasks, [known.taskIDs[1] + 1])
    let record = try client.task(submission.tasks[0])
    XCTAssertEqual(record.function, "square")
    XCTAssertEqual(try client.loadBalancedView().map("square", [8], as: Int.self).get(), [64])
    try client.stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }
}
