import Foundation
import MPIParallelSteering
import SteeringTestSupport
import XCTest

/// The Swift steering client against a real served job (`mpp-testapp --serve`
/// under mpirun), over real TCP.
final class SteeringClientTests: XCTestCase {
  struct Point: Codable, Equatable {
    var x: Double
    var y: Double
  }

  func testTheSwiftClientSteersAServedJobAndStopsIt() throws {
    let job = ServedJob(ranks: 4)
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let client = try Client(connectionFile: try job.waitUntilServing())
    XCTAssertEqual(client.ids, [0, 1, 2])
    let functions = try client.functions()
    XCTAssertTrue(functions.contains { $0.signature == "area(Int, Int) -> Int" }, "\(functions)")
    XCTAssertFalse(functions.contains { $0.name.hasPrefix("_mpp.") })

    // DirectView apply, on every engine and on some.
    XCTAssertEqual(try client[...].apply("engineID", as: Int.self).get(timeout: .seconds(30)), [0, 1, 2])
    XCTAssertEqual(try client[[0, 2]].apply("area", 3, 7, as: Int.self).get(), [21, 21])
    XCTAssertEqual(
      try client[1].apply("movePoint", Point(x: 1, y: 2), 0.5, as: Point.self).get(), [Point(x: 1.5, y: 2)])

    // Load-balanced map, chunked and not.
    let squares = try client.loadBalancedView().map("square", Array(0..<40), as: Int.self).get()
    XCTAssertEqual(squares, (0..<40).map { $0 * $0 })
    let chunked = client.loadBalancedView().map(
      "square", Array(0..<25), chunkSize: 4, ordered: false, as: Int.self)
    XCTAssertEqual(try chunked.get(), (0..<25).map { $0 * $0 })
    XCTAssertEqual(chunked.taskIDs.count, 7)
    XCTAssertEqual(try client.loadBalancedView().apply("area", 6, 7, as: Int.self).get(), 42)

    // Iteration as tasks finish: in input order, in completion order, with per-item errors.
    let inOrder = client.loadBalancedView().map("square", Array(0..<12), chunkSize: 5, as: Int.self)
    let items = Array(inOrder)
    XCTAssertEqual(items.map(\.index), Array(0..<12))
    XCTAssertEqual(try items.map { try $0.get() }, (0..<12).map { $0 * $0 })
    XCTAssertTrue(items.allSatisfy { ($0.engineID ?? -1) >= 0 })
    let anyOrder = Array(
      client.loadBalancedView().map("sleepFor", [0.2, 0.01, 0.01], ordered: false, as: Int.self))
    XCTAssertEqual(Set(anyOrder.map(\.index)), [0, 1, 2])
    let mixed = Array(client.loadBalancedView().map("failIfOdd", [2, 3, 4], as: Int.self))
    XCTAssertEqual(mixed.map(\.index), [0, 1, 2])
    XCTAssertEqual(try mixed[0].get(), 2)
    XCTAssertEqual(try mixed[2].get(), 4)
    guard case .failure(.remote(let oddFailure)) = mixed[1].result else { return XCTFail("\(mixed[1])") }
    XCTAssertEqual(oddFailure.function, "failIfOdd")
    XCTAssertEqual(Array(client[...].apply("engineID", as: Int.self)).map { try? $0.get() }, [0, 1, 2])
    let failedSubmission = Array(client[...].apply("nope", as: Int.self))
    XCTAssertEqual(failedSubmission.count, 1)
    guard case .failure(.hub(let kind, _)) = failedSubmission[0].result else {
      return XCTFail("\(failedSubmission)")
    }
    XCTAssertEqual(kind, "unknownFunction")

    // Namespace: push, references, pull of a value a function set, scatter and gather.
    XCTAssertEqual(try client[...].push("x", [1.5, 2.5]).get(), [true, true, true])
    XCTAssertEqual(try client[...].apply("sumArray", Reference("x"), as: Double.self).get(), [4, 4, 4])
    XCTAssertEqual(
      try client[...].pull("x", as: [Double].self).get(), [[1.5, 2.5], [1.5, 2.5], [1.5, 2.5]])
    _ = try client[...].apply("setLocal", "n", 5, as: Bool.self).get()
    XCTAssertEqual(try client[...].pull("n", as: Int.self).get(), [500, 501, 502])
    _ = try client[...].scatter("v", Array(0..<10)).get()
    XCTAssertEqual(try client[...].pull("v", as: [Int].self).get(), [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]])
    XCTAssertEqual(try client[...].gather("v", as: Int.self).get(), Array(0..<10))
    XCTAssertEqual(try client[[1]].gather("v", as: Int.self).get(), [4, 5, 6])

    // Errors: unknown function, arguments of the wrong type or count, a failing task, a missing name.
    XCTAssertThrowsError(try client[...].apply("nope", as: Int.self).get()) { error in
      guard case .hub(let kind, let message) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(kind, "unknownFunction")
      XCTAssertTrue(message.contains("area") && message.contains("square"), message)
    }
    XCTAssertThrowsError(try client[...].apply("square", "seven", as: Int.self).get()) { error in
      guard case .hub(let kind, let message) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(kind, "badArguments")
      XCTAssertTrue(message.contains("must be Int"), message)
    }
    XCTAssertThrowsError(try client[...].apply("area", 1, as: Int.self).get()) {
      XCTAssertTrue("\($0)".contains("takes 2 arguments (Int, Int), not 1"), "\($0)")
    }
    XCTAssertThrowsError(try client.loadBalancedView().map("failIfOdd", [2, 3], as: Int.self).get()) {
      error in
      guard case .remote(let failure) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(failure.function, "failIfOdd")
      XCTAssertTrue((0..<3).contains(failure.engine), "\(failure)")
    }
    XCTAssertThrowsError(try client[...].pull("undefined", as: Int.self).get()) { error in
      guard case .composite(let failures) = error as? SteeringError else { return XCTFail("\(error)") }
      XCTAssertEqual(failures.count, 3)
      XCTAssertTrue(failures[0].message.contains("'undefined' is not defined"), "\(failures[0])")
    }
    XCTAssertThrowsError(try client[[7]].apply("engineID", as: Int.self).get()) {
      XCTAssertTrue("\($0)".contains("badTargets"), "\($0)")
    }

    // Task records, queue status, engines.
    let mapped = client.loadBalancedView().map("square", [4, 5], as: Int.self)
    XCTAssertEqual(try mapped.get(), [16, 25])
    let record = try client.task(mapped.taskIDs[1])
    XCTAssertEqual(record.function, "square")
    XCTAssertEqual(record.state, "succeeded")
    XCTAssertEqual(record.items, [.value(.int(25))])
    XCTAssertThrowsError(try client.task(1_000_000))
    let status = try client.queueStatus()
    XCTAssertEqual(status.engines.map(\.id), [0, 1, 2])
    XCTAssertEqual(status.unassigned, 0)
    let engines = try client.engines()
    XCTAssertGreaterThan(engines.reduce(0) { $0 + $1.tasksDone }, 60)

    // A client that disconnects right after submitting leaves its tasks to complete.
    let leaver = try Client(connectionFile: job.connectionFile)
    let left = leaver.loadBalancedView().map("sleepFor", [0.2, 0.2, 0.2, 0.2], as: Int.self)
    let leftTasks = left.taskIDs
    leaver.close()
    XCTAssertEqual(leftTasks.count, 4)
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline, try leftTasks.contains(where: { try client.task($0).state != "succeeded" }) {
      Thread.sleep(forTimeInterval: 0.1)
    }
    XCTAssertEqual(try leftTasks.map { try client.task($0).state }, Array(repeating: "succeeded", count: 4))

    // Stop: the job ends cleanly and removes its connection file.
    try client.stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertFalse(FileManager.default.fileExists(atPath: job.connectionFile))
    try? FileManager.default.removeItem(atPath: job.home)
  }

  func testBadInputFromTheNetworkNeverReachesAnEngineAndTheHubKeepsServing() throws {
    let job = ServedJob(ranks: 3, extraArguments: ["--stall-timeout", "1", "--frame-limit", "65536"])
    defer { job.stopQuietly() }
    let path = try job.waitUntilServing()
    let file = try ConnectionFile.read(from: path)
    let client = try Client(connectionFile: path)
    let before = try client.queueStatus()
    XCTAssertEqual(before.engines.map(\.completed), [0, 0])

    // A wrong key.
    var wrong = file
    wrong.key = MessageSigner.makeKey()
    try wrong.write(to: job.home + "/wrong.json")
    XCTAssertThrowsError(try Client(connectionFile: job.home + "/wrong.json")) {
      XCTAssertEqual($0 as? SteeringError, .badReplySignature)
    }
    let signer = try MessageSigner(hexKey: file.key)
    func frame(_ command: SteeringCommand) throws -> [UInt8] {
      SteeringFrame.encode(
        body: Array(try JSONEncoder().encode(SteeringRequest(command: command))), signer: signer)
    }
    let apply = SteeringCommand.apply(function: "engineID", arguments: [], targets: nil)
    // Tampered: one bit of a signed request flipped.
    var tampered = try frame(apply)
    tampered[tampered.count - 10] ^= 0x01
    try expectClosed(port: file.port, sending: tampered)
    // Replayed: a good frame sent twice (the second once the first is answered).
    let once = try frame(apply)
    let first = try RawSocket(port: file.port)
    first.send(once)
    XCTAssertNotNil(first.readFrame(timeout: 30), "the first sending was not answered")
    first.close()
    try expectClosed(port: file.port, sending: once)
    // Oversized, garbage, and a stall in the middle of a frame.
    try expectClosed(port: file.port, sending: [0, 2, 0, 0])
    try expectClosed(
      port: file.port, sending: [0, 0, 0, 64] + (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) })
    try expectClosed(port: file.port, sending: Array(once.prefix(10)))
    // Vanishing mid-frame.
    let vanisher = try RawSocket(port: file.port)
    vanisher.send(Array(once.prefix(12)))
    vanisher.close()

    // The hub still serves, and each engine ran only the one good apply before this one.
    XCTAssertEqual(try client[...].apply("engineID", as: Int.self).get(timeout: .seconds(30)), [0, 1])
    let after = try client.queueStatus()
    XCTAssertEqual(
      after.engines.map(\.completed), [2, 2], "the replayed apply ran once, then the check: \(after)")
  }

  func testNumbersOutOfRangeAreRefusedAndTheJobKeepsServing() throws {
    let job = ServedJob(ranks: 3)
    var stopped = false
    defer { if !stopped { job.stopQuietly() } }
    let path = try job.waitUntilServing()
    let client = try Client(connectionFile: path)
    let link = try SteeringLink(path)
    /// Sends one signed command (NaN and infinities as the protocol writes them); the hub's reply.
    func ask(_ command: SteeringCommand) throws -> SteeringReply { try link.ask(command, timeout: 30) }
    func expectRefused(
      _ command: SteeringCommand, kind: String = "badArguments", saying text: String, line: UInt = #line
    ) throws {
      IntegrationTests.expectRefused(try ask(command), kind: kind, saying: text, line: line)
    }
    func squares(_ values: [Int], chunkSize: Int, targets: [Int]? = nil) -> SteeringCommand {
      .map(
        function: "square", items: values.map { .array([.int($0)]) }, chunkSize: chunkSize, ordered: true,
        targets: targets)
    }

    // A chunk size whose arithmetic would overflow: refused, and the job lives on.
    try expectRefused(
      squares([2, 3], chunkSize: .max),
      saying: "map: chunkSize must be between 1 and 4294967295, not 9223372036854775807")
    XCTAssertEqual(try client.engines().map(\.id), [0, 1])
    let mapped = client.loadBalancedView().map("square", [2, 3], as: Int.self)
    XCTAssertEqual(try mapped.get(timeout: .seconds(30)), [4, 9])
    // A chunk size past the items (within the wire's count) is one chunk.
    let whole = client.loadBalancedView().map("square", [4, 5, 6], chunkSize: Int(UInt32.max), as: Int.self)
    XCTAssertEqual(try whole.get(timeout: .seconds(30)), [16, 25, 36])
    XCTAssertEqual(whole.taskIDs.count, 1)

    // A wait with a NaN timeout is refused at once; a negative one too; an infinite one is capped.
    guard case .submitted(let submitted)? = try ask(squares([7], chunkSize: 1)).answer else {
      return XCTFail("the map was not submitted")
    }
    let began = Date()
    try expectRefused(
      .wait(job: submitted.job, timeout: .nan, items: false),
      saying: "wait: timeout must be 0 or more seconds, not nan")
    XCTAssertLessThan(Date().timeIntervalSince(began), 5, "the NaN wait was held")
    try expectRefused(.wait(job: submitted.job, timeout: -1, items: false), saying: "wait: timeout must be 0")
    try expectRefused(
      .arrivals(job: submitted.job, after: 0, timeout: .nan), saying: "arrivals: timeout must be 0")
    guard case .job(let status)? = try ask(.wait(job: submitted.job, timeout: .infinity, items: true)).answer
    else { return XCTFail("the capped wait was not answered") }
    XCTAssertEqual(status.items, [.value(.int(49))])

    // Other numbers out of range: chunk sizes, engine ids, ids, counts.
    try expectRefused(
      squares([1], chunkSize: -3), saying: "map: chunkSize must be between 1 and 4294967295, not -3")
    try expectRefused(squares([1], chunkSize: 0), saying: "not 0")
    try expectRefused(squares([1], chunkSize: 1, targets: [5]), kind: "badTargets", saying: "5")
    try expectRefused(
      squares([1], chunkSize: 1, targets: [Int.min]), kind: "badTargets", saying: "\(Int.min)")
    try expectRefused(
      .apply(function: "engineID", arguments: [], targets: [-1]), kind: "badTargets", saying: "-1")
    try expectRefused(
      .scatter(name: "v", values: [.int(1)], targets: [Int.max]), kind: "badTargets", saying: "\(Int.max)")
    try expectRefused(
      .arrivals(job: submitted.job, after: .max, timeout: 0),
      saying: "arrivals: job \(submitted.job) has 1 tasks; cannot start after \(Int.max)")
    try expectRefused(.arrivals(job: submitted.job, after: -1, timeout: 0), saying: "cannot start after -1")
    try expectRefused(.wait(job: 0, timeout: 0, items: false), saying: "wait: job ids start at 1, not 0")
    try expectRefused(.wait(job: .max, timeout: 0, items: false), kind: "unknownJob", saying: "no job")
    try expectRefused(.result(task: .min), saying: "result: task ids start at 1")
    try expectRefused(.result(task: .max), kind: "unknownTask", saying: "no task")
    try expectRefused(.abort(tasks: [1, -5]), saying: "abort: task ids start at 1, not -5")
    XCTAssertEqual(try ask(.abort(tasks: [.max])).answer, .aborted([]))

    // The job still answers, and stops cleanly.
    XCTAssertEqual(try client.loadBalancedView().map("square", [8], as: Int.self).get(), [64])
    XCTAssertEqual(try client[...].apply("engineID", as: Int.self).get(), [0, 1])
    try client.stop()
    stopped = true
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the job did not end after stop")
    XCTAssertEqual(result.status, 0, result.describe())
    try? FileManager.default.removeItem(atPath: job.home)
  }

  func testADriverServesWhileItRunsAndAClientEndsIt() throws {
    let job = ServedJob(ranks: 3, extraArguments: ["serve-while-driving"], serve: false)
    var ended = false
    defer { if !ended { job.stopQuietly() } }
    let client = try Client(connectionFile: try job.waitUntilServing())
    XCTAssertEqual(try client[...].apply("area", 2, 3, as: Int.self).get(timeout: .seconds(30)), [6, 6])
    // The driver's own tasks and this client's share the hub.
    XCTAssertEqual(try client.loadBalancedView().map("square", [9], as: Int.self).get(), [81])
    // The driver may end (and its endpoint with it) before this push's result
    // is fetched, so only its submission is checked; the job's end shows it ran.
    XCTAssertEqual(client[0].push("done", true).taskIDs.count, 1)
    let result = try XCTUnwrap(try job.finish(timeout: 60), "the driver did not end")
    ended = true
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("SERVING \(job.connectionFile)"), result.describe())
    XCTAssertTrue(result.stdout.contains("DRIVER DONE after "), result.describe())
    XCTAssertTrue(result.stdout.contains("ALL CHECKS PASSED"), result.describe())
    XCTAssertFalse(FileManager.default.fileExists(atPath: job.connectionFile), "the connection file was left")
    try? FileManager.default.removeItem(atPath: job.home)
  }

  func testServingOnAPortInUseFailsClearlyAndStopsTheEngines() throws {
    // Hold a port, then ask a served job for it.
    let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(holder) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(holder, $0, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, $0, &length) == 0
      }
    }
    XCTAssertTrue(bound)
    let port = Int(UInt16(bigEndian: address.sin_port))
    let home = NSTemporaryDirectory() + "mpp-inuse-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: home) }
    let result = try MPIRun.run(
      "mpp-testapp", ranks: 3, arguments: ["--serve", "--serve-port", String(port)],
      environment: ["MPIPARALLEL_HOME": home], timeout: 60)
    XCTAssertFalse(result.timedOut, result.describe())
    XCTAssertEqual(result.status, 1, result.describe())
    XCTAssertTrue(
      result.stderr.contains("serving failed: steering: the hub cannot serve at 127.0.0.1:\(port)"),
      result.describe())
    XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/profile_default/client.json"))
  }

  /// Sends bytes on a fresh connection; expects the hub to close it (within 10 s).
  private func expectClosed(
    port: Int, sending bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let socket = try RawSocket(port: port)
    defer { socket.close() }
    socket.send(bytes)
    XCTAssertNotNil(
      socket.readUntilClosed(timeout: 10), "the hub did not close the connection", file: file, line: line)
  }
}
