import Foundation
import MPIParallelSteering
import SteeringTestSupport
import Synchronization
import XCTest

/// `mpiparallel` steering served jobs: `start`, the steering commands, `stop`
/// and `list`, run as the built tool. One job (mpp-testapp, 2 engines, profile
/// `shared`) serves the class's steering tests; the tests that start or stop
/// jobs of their own use a home of their own. Every job is ended in the end,
/// by `stop` and then by pid.
final class SteeringCLITests: XCTestCase {
  /// The shared job's MPIPARALLEL_HOME (made when first used, by `setUp`).
  static let home = makeHome()
  /// Why the shared job did not start, if it did not.
  static let startFailure = Mutex<String?>(nil)

  override class func setUp() {
    super.setUp()
    do {
      let app = try MPIRun.productPath("mpp-testapp")
      let start = try run(["start", "-n", "2", "--profile", "shared", "--", app], home: home, timeout: 90)
      if start.status != 0 { startFailure.withLock { $0 = "start failed: " + start.describe() } }
    } catch {
      startFailure.withLock { $0 = "start failed: \(error)" }
    }
  }

  override class func tearDown() {
    end(home: home, profile: "shared")
    try? FileManager.default.removeItem(atPath: home)
    super.tearDown()
  }

  // MARK: The shared job

  func testEnginesAndFunctions() throws {
    let table = try shared(["engines"])
    XCTAssertEqual(table.stdout.split(separator: "\n").count, 3, table.describe())
    let engines = try json(shared(["engines", "--json"])) as? [[String: Any]] ?? []
    XCTAssertEqual(engines.compactMap { $0["id"] as? Int }, [0, 1])
    XCTAssertTrue(engines.allSatisfy { ($0["pid"] as? Int ?? 0) > 0 && $0["state"] is String })
    let functions = try json(shared(["functions", "--json"])) as? [[String: Any]] ?? []
    let area = try XCTUnwrap(functions.first { $0["name"] as? String == "area" })
    XCTAssertEqual(area["argumentTypes"] as? [String], ["Int", "Int"])
    XCTAssertEqual(area["resultType"] as? String, "Int")
    XCTAssertTrue(try shared(["functions"]).stdout.contains("(Int, Int)"))
  }

  func testApplyWithTargetsAndOutputFile() throws {
    XCTAssertEqual(try shared(["apply", "area", "3", "7"]).stdout, "engine 0: 21\nengine 1: 21\n")
    XCTAssertEqual(try shared(["apply", "engineID", "--targets", "1"]).stdout, "engine 1: 1\n")
    XCTAssertEqual(
      try shared(["apply", "engineID", "--targets", "0:2"]).stdout, "engine 0: 0\nengine 1: 1\n")
    XCTAssertEqual(
      try shared(["apply", "square", "-3", "--targets", "0,1"]).stdout, "engine 0: 9\nengine 1: 9\n")
    let object = try json(shared(["apply", "square", "4", "--json"])) as? [String: Any] ?? [:]
    XCTAssertEqual(object["values"] as? [Int], [16, 16])
    XCTAssertEqual(object["engines"] as? [Int], [0, 1])
    let text = Self.home + "/points.txt"
    _ = try shared(["apply", "describePoint", #"{"x":1,"y":2}"#, "--output", text])
    XCTAssertEqual(
      try String(contentsOfFile: text, encoding: .utf8), "1.0,2.0,-1.0,2.0,-", "strings raw, in order")
    let lines = Self.home + "/squares.txt"
    _ = try shared(["apply", "square", "5", "--output", lines])
    XCTAssertEqual(
      try String(contentsOfFile: lines, encoding: .utf8), "25\n25\n", "other values one per line")
  }

  func testMapWithItems() throws {
    XCTAssertEqual(try shared(["map", "square", "--items", "[1,2,3,4,5]"]).stdout, "1\n4\n9\n16\n25\n")
    let squares = try shared([
      "map", "square", "--items", "[1,2,3,4,5,6,7]", "--chunksize", "3", "--unordered", "--json",
    ])
    XCTAssertEqual((try json(squares) as? [Int])?.sorted(), [1, 4, 9, 16, 25, 36, 49])
    let areas = try shared(["map", "area", "--items", "[[1,2],[3,4]]", "--json", "--targets", "1"])
    XCTAssertEqual(try json(areas) as? [Int], [2, 12])
    let flat = try failing(["map", "area", "--items", "[1,2]"])
    XCTAssertTrue(flat.stderr.contains("each item must be a JSON array of 2 values"), flat.describe())
    let none = try failing(["map", "engineID", "--items", "[1]"])
    XCTAssertTrue(none.stderr.contains("takes no arguments"), none.describe())
    let notArray = try failing(["map", "square", "--items", "3"])
    XCTAssertTrue(notArray.stderr.contains("--items must be a JSON array"), notArray.describe())
  }

  func testPushPullScatterGather() throws {
    _ = try shared(["push", "cfg", #"{"a":[1,2],"b":"x"}"#])
    let pulled = try json(shared(["pull", "cfg", "--json"])) as? [String: Any] ?? [:]
    let values = pulled["values"] as? [[String: Any]] ?? []
    XCTAssertEqual(values.count, 2)
    XCTAssertTrue(
      values.allSatisfy { $0["a"] as? [Int] == [1, 2] && $0["b"] as? String == "x" }, "\(pulled)")
    _ = try shared(["push", "n", "7", "--targets", "1"])
    XCTAssertEqual(try shared(["pull", "n", "--targets", "1"]).stdout, "engine 1: 7\n")

    _ = try shared(["scatter", "v", "[1,2,3,4,5]"])
    XCTAssertEqual(try json(shared(["gather", "v", "--json"])) as? [Int], [1, 2, 3, 4, 5])
    XCTAssertEqual(try shared(["gather", "v"]).stdout, "1\n2\n3\n4\n5\n")
    XCTAssertEqual(try shared(["pull", "v", "--targets", "1"]).stdout, "engine 1: [4,5]\n")
  }

  func testStatusResultAndAbort() throws {
    let status = try json(shared(["status", "--json"])) as? [String: Any] ?? [:]
    XCTAssertEqual((status["engines"] as? [[String: Any]])?.count, 2, "\(status)")
    XCTAssertNotNil(status["unassigned"] as? Int)
    XCTAssertTrue(try shared(["status"]).stdout.contains("unassigned: "))

    let submitted =
      try json(shared(["map", "square", "--items", "[6]", "--no-wait", "--json"])) as? [String: Any]
    let task = try XCTUnwrap((submitted?["tasks"] as? [Int])?.first, "\(String(describing: submitted))")
    var record: [String: Any] = [:]
    for _ in 0..<50 {
      record = try json(shared(["result", String(task), "--json"])) as? [String: Any] ?? [:]
      if record["available"] as? Bool == true { break }
      Thread.sleep(forTimeInterval: 0.1)
    }
    XCTAssertEqual(record["state"] as? String, "succeeded", "\(record)")
    XCTAssertEqual(record["values"] as? [Int], [36], "\(record)")
    XCTAssertNotNil(record["engine"] as? Int, "\(record)")
    XCTAssertTrue(try shared(["result", String(task)]).stdout.contains("value: 36"))

    // Finished and unknown tasks are not aborted; a task still queued in the hub is.
    let finished = try json(shared(["abort", String(task), "999999", "--json"])) as? [String: Any] ?? [:]
    XCTAssertEqual(finished["aborted"] as? [Int], [])
    XCTAssertEqual(finished["notAborted"] as? [Int], [task, 999999])
    let sleeps = try shared([
      "map", "sleepFor", "--items", "[0.4,0.4,0.4,0.4,0.4,0.4]", "--no-wait", "--json",
    ])
    let last = try XCTUnwrap((try json(sleeps) as? [String: Any])?["tasks"] as? [Int]).last ?? -1
    let aborted = try json(shared(["abort", String(last), "--json"])) as? [String: Any] ?? [:]
    XCTAssertEqual(aborted["aborted"] as? [Int], [last], "\(aborted)")
    let unknown = try failing(["result", "999999"])
    XCTAssertTrue(unknown.stderr.contains("no task 999999"), unknown.describe())
  }

  func testErrorsAreOneLine() throws {
    let unknown = try failing(["apply", "nope", "1"])
    XCTAssertTrue(unknown.stderr.contains("no remote function 'nope'"), unknown.describe())
    let bareWord = try failing(["apply", "square", "abc"])
    XCTAssertTrue(
      bareWord.stderr.contains(#"'"abc"'"#), "tells how to quote a string: " + bareWord.describe())
    let wrongType = try failing(["apply", "square", #""x""#])
    XCTAssertTrue(wrongType.stderr.contains("Int"), "names the expected type: " + wrongType.describe())
    let badTarget = try failing(["apply", "engineID", "--targets", "5"])
    XCTAssertTrue(badTarget.stderr.contains("no engine 5"), badTarget.describe())
    let noFile = try Self.run(["engines", "--profile", "nobody"], home: Self.home)
    XCTAssertEqual(noFile.status, 1, noFile.describe())
    XCTAssertTrue(noFile.stderr.hasPrefix("mpiparallel: no connection file at "), noFile.describe())
    let syntax = try Self.run(
      ["apply", "engineID", "--targets", "2:1", "--profile", "shared"], home: Self.home)
    XCTAssertEqual(syntax.status, 2, "a usage error: " + syntax.describe())
    let file = Self.home + "/profile_shared/client.json"
    let byFile = try Self.run(["apply", "engineID", "--connection-file", file], home: "/nonexistent")
    XCTAssertEqual(byFile.stdout, "engine 0: 0\nengine 1: 1\n", byFile.describe())
  }

  func testStartRefusesAServedProfile() throws {
    try requireJob()
    let again = try Self.run(["start", "-n", "2", "--profile", "shared", "--", "/bin/true"], home: Self.home)
    XCTAssertEqual(again.status, 1, again.describe())
    XCTAssertTrue(again.stderr.contains("already served"), again.describe())
  }

  // MARK: Jobs of their own

  func testStartFourEnginesListAndStopLeavesNoProcess() throws {
    let home = Self.makeHome()
    defer {
      Self.end(home: home, profile: "four")
      try? FileManager.default.removeItem(atPath: home)
    }
    let app = try MPIRun.productPath("mpp-testapp")
    let start = try Self.run(
      [
        "start", "-n", "4", "--oversubscribe", "--profile", "four", "--json", "--handshake-timeout", "2",
        "--idle-timeout", "600", "--", app,
      ], home: home, timeout: 90)
    XCTAssertEqual(start.status, 0, start.describe())
    let job = try json(start) as? [String: Any] ?? [:]
    let engines = (job["engines"] as? [[String: Any]] ?? []).compactMap { $0["pid"] as? Int }
    XCTAssertEqual(engines.count, 4, "\(job)")
    let hub = try XCTUnwrap(job["hub"] as? Int)
    let mpirun = try XCTUnwrap(job["mpirun"] as? Int)
    let record = try json(contentsOf: home + "/profile_four/cluster.json") as? [String: Any] ?? [:]
    XCTAssertEqual(record["pid"] as? Int, mpirun)
    XCTAssertEqual(record["engines"] as? Int, 4)
    // Each process's identity, so that stop can tell it from a process that reused its pid.
    let identities = record["identities"] as? [[String: Any]] ?? []
    XCTAssertEqual(
      Set(identities.compactMap { $0["pid"] as? Int }), Set([mpirun, hub] + engines), "\(record)")
    for identity in identities {
      let pid = try XCTUnwrap(identity["pid"] as? Int)
      XCTAssertEqual(identity["startTime"] as? Int, Self.startTime(of: pid), "\(identity)")
    }

    // The hub's limits given to start reach it: a connection that sends
    // nothing is dropped after 2 s (--handshake-timeout 2), not 10.
    let arguments = try String(contentsOfFile: "/proc/\(hub)/cmdline", encoding: .utf8).split(separator: "\0")
    XCTAssertTrue(arguments.contains("--idle-timeout"), "\(arguments)")
    let file = try ConnectionFile.read(from: home + "/profile_four/client.json")
    let idle = try RawSocket(port: file.port)
    defer { idle.close() }
    let opened = Date()
    XCTAssertNotNil(idle.readUntilClosed(timeout: 8), "an idle connection was kept past 8 s")
    XCTAssertEqual(Date().timeIntervalSince(opened), 2, accuracy: 1.5)

    let list = try json(Self.run(["list", "--json"], home: home)) as? [[String: Any]] ?? []
    XCTAssertEqual(list.first?["state"] as? String, "running", "\(list)")
    XCTAssertEqual(list.first?["engines"] as? Int, 4)
    XCTAssertEqual(list.first?["pid"] as? Int, hub)

    let stop = try Self.run(["stop", "--profile", "four"], home: home)
    XCTAssertEqual(stop.status, 0, stop.describe())
    XCTAssertEqual(stop.stdout.split(separator: "\n").count, 1, stop.describe())
    XCTAssertTrue(stop.stdout.hasPrefix("stopped profile four"), stop.describe())
    XCTAssertEqual(([hub, mpirun] + engines).filter(Self.isAlive), [], "processes left after stop")
    XCTAssertEqual(MPIRun.livingProcesses(inSession: pid_t(mpirun)), [], "mpirun's session is empty")
    XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/profile_four/client.json"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/profile_four/cluster.json"))
    let after = try json(Self.run(["list", "--json"], home: home)) as? [[String: Any]] ?? []
    XCTAssertEqual(after.first?["state"] as? String, "stopped", "\(after)")
    let again = try Self.run(["stop", "--profile", "four"], home: home)
    XCTAssertEqual(again.status, 1, again.describe())
    XCTAssertTrue(again.stderr.hasPrefix("mpiparallel: no connection file"), again.describe())
  }

  func testStartReportsAProgramThatExits() throws {
    let home = Self.makeHome()
    defer {
      Self.end(home: home, profile: "broken")
      try? FileManager.default.removeItem(atPath: home)
    }
    let start = try Self.run(
      ["start", "-n", "1", "--profile", "broken", "--", "/bin/false"], home: home, timeout: 60)
    XCTAssertEqual(start.status, 1, start.describe())
    XCTAssertTrue(start.stderr.contains("before it served profile broken"), start.describe())
    XCTAssertTrue(
      start.stderr.contains("/bin/false --serve --profile broken"), "the log's tail: " + start.describe())
    XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/profile_broken/cluster.json"))
  }

  /// A `sleep` that has nothing to do with any job, to stand where a job's pid was.
  static func startSleep(seconds: Int) throws -> Process {
    let sleeper = Process()
    sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
    sleeper.arguments = [String(seconds)]
    try sleeper.run()
    return sleeper
  }

  func testStopSignalsAJobWhoseHubIsUnreachableAndListShowsStaleFiles() throws {
    let home = Self.makeHome()
    defer { try? FileManager.default.removeItem(atPath: home) }
    let sleeper = try Self.startSleep(seconds: 60)
    defer { if sleeper.isRunning { sleeper.terminate() } }
    let pid = Int(sleeper.processIdentifier)
    let gone = Process()
    gone.executableURL = URL(fileURLWithPath: "/bin/true")
    try gone.run()
    gone.waitUntilExit()
    func write(_ object: [String: Any], _ path: String) throws {
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }
    // "hung": a live process that does not answer (nothing listens on port 1); "old": a dead one.
    for (profile, hub) in [("hung", pid), ("old", Int(gone.processIdentifier))] {
      let connection: [String: Any] = [
        "transport": "tcp", "ip": "127.0.0.1", "port": 1, "key": String(repeating: "ab", count: 32),
        "signatureScheme": "hmac-sha256", "profile": profile, "pid": hub, "engines": 2,
      ]
      try write(connection, home + "/profile_\(profile)/client.json")
    }
    let record: [String: Any] = [
      "profile": "hung", "pid": pid, "command": ["sleep"], "started": "now", "engines": 2, "log": "/dev/null",
      "identities": [["pid": pid, "startTime": try XCTUnwrap(Self.startTime(of: pid))]],
    ]
    try write(record, home + "/profile_hung/cluster.json")

    let list = try json(Self.run(["list", "--json"], home: home)) as? [[String: Any]] ?? []
    XCTAssertEqual(list.compactMap { $0["state"] as? String }, ["running", "stale"], "\(list)")
    let engines = try Self.run(["engines", "--profile", "old"], home: home)
    XCTAssertEqual(engines.status, 1, engines.describe())
    XCTAssertTrue(engines.stderr.contains("is stale"), engines.describe())

    let stop = try Self.run(["stop", "--profile", "hung", "--grace", "2"], home: home)
    XCTAssertEqual(stop.status, 0, stop.describe())
    XCTAssertTrue(stop.stdout.contains("SIGTERM"), stop.describe())
    sleeper.waitUntilExit()
    XCTAssertEqual(sleeper.terminationReason, .uncaughtSignal)
    let stale = try Self.run(["stop", "--profile", "old"], home: home)
    XCTAssertEqual(stale.status, 0, stale.describe())
    XCTAssertTrue(stale.stdout.contains("was not running"), stale.describe())
    let after = try json(Self.run(["list", "--json"], home: home)) as? [[String: Any]] ?? []
    XCTAssertEqual(after.compactMap { $0["state"] as? String }, ["stopped", "stopped"], "\(after)")
  }

  func testStopSignalsNoProcessThatReusedARecordedPid() throws {
    let home = Self.makeHome()
    defer { try? FileManager.default.removeItem(atPath: home) }
    // A process that has nothing to do with any job, under pids a dead job recorded.
    let sleeper = try Self.startSleep(seconds: 300)
    let pid = Int(sleeper.processIdentifier)
    defer { if Self.isAlive(pid) { kill(pid_t(pid), SIGKILL) } }
    let started = try XCTUnwrap(Self.startTime(of: pid))
    let command = ["/usr/bin/mpirun", "-np", "3", "/opt/app/App", "--serve", "--profile", "reused"]
    func write(_ object: [String: Any], _ path: String) throws {
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }
    // "reused": the job's files with identities whose start time is not the sleep's;
    // "older": a cluster.json of an older version, with no identities at all.
    for profile in ["reused", "older"] {
      var record: [String: Any] = [
        "profile": profile, "pid": pid, "command": command, "started": "now", "engines": 2,
        "log": "/dev/null", "hub": pid, "enginePIDs": [pid],
      ]
      if profile == "reused" {
        record["identities"] = [["pid": pid, "startTime": started - 1]]
      }
      try write(record, home + "/profile_\(profile)/cluster.json")
      let connection: [String: Any] = [
        "transport": "tcp", "ip": "127.0.0.1", "port": 1, "key": String(repeating: "ab", count: 32),
        "signatureScheme": "hmac-sha256", "profile": profile, "pid": pid, "engines": 2,
      ]
      try write(connection, home + "/profile_\(profile)/client.json")
    }

    let list = try json(Self.run(["list", "--json"], home: home)) as? [[String: Any]] ?? []
    XCTAssertEqual(list.compactMap { $0["state"] as? String }, ["stale", "stale"], "\(list)")
    for (profile, why) in [
      ("reused", "it started at tick \(started) after boot, the recorded process at tick \(started - 1)"),
      ("older", "no start time recorded for it, and it runs `/bin/sleep 300`, not the job's command"),
    ] {
      let stop = try Self.run(["stop", "--profile", profile, "--grace", "1"], home: home)
      XCTAssertEqual(stop.status, 0, stop.describe())
      XCTAssertEqual(stop.stdout.split(separator: "\n").count, 1, stop.describe())
      XCTAssertTrue(
        stop.stdout.hasPrefix(
          "profile \(profile) was not running: mpirun pid \(pid) is another process now, not the job's (\(why));"
        ),
        stop.describe())
      XCTAssertTrue(stop.stdout.contains("nothing signalled; removed its stale files"), stop.describe())
      XCTAssertTrue(Self.isAlive(pid), "stop signalled the unrelated process: " + stop.describe())
      XCTAssertFalse(FileManager.default.fileExists(atPath: home + "/profile_\(profile)/cluster.json"))
    }
    Thread.sleep(forTimeInterval: 0.5)
    XCTAssertTrue(Self.isAlive(pid), "the unrelated process ended")
    kill(pid_t(pid), SIGTERM)
    sleeper.waitUntilExit()
  }

  // MARK: Helpers

  /// Runs the tool with `home` as MPIPARALLEL_HOME.
  static func run(_ arguments: [String], home: String, timeout: Double = 60) throws -> MPIRunResult {
    try MPIRun.runDirect(
      "mpiparallel", arguments: arguments, environment: ["MPIPARALLEL_HOME": home], timeout: timeout)
  }

  func requireJob() throws {
    if let failure = Self.startFailure.withLock({ $0 }) {
      XCTFail(failure)
      throw XCTSkip("the shared job did not start")
    }
  }

  /// A command on the shared job that must succeed.
  func shared(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws
    -> MPIRunResult
  {
    try requireJob()
    let result = try Self.run(arguments + ["--profile", "shared"], home: Self.home)
    XCTAssertEqual(result.status, 0, result.describe(), file: file, line: line)
    return result
  }

  /// A command on the shared job that must fail with one `mpiparallel: ` line and status 1.
  func failing(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws
    -> MPIRunResult
  {
    try requireJob()
    let result = try Self.run(arguments + ["--profile", "shared"], home: Self.home)
    XCTAssertEqual(result.status, 1, result.describe(), file: file, line: line)
    XCTAssertTrue(result.stderr.hasPrefix("mpiparallel: "), result.describe(), file: file, line: line)
    XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.describe(), file: file, line: line)
    return result
  }

  func json(_ result: MPIRunResult) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])
  }

  func json(contentsOf path: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
  }

  static func makeHome() -> String {
    let path = NSTemporaryDirectory() + "mpiparallel-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  /// Whether a pid is a live process (zombies are not).
  static func isAlive(_ pid: Int) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let paren = stat.lastIndex(of: ")")
    else { return false }
    return !["Z", "X"].contains(stat[stat.index(after: paren)...].split(separator: " ").first)
  }

  /// Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot.
  static func startTime(of pid: Int) -> Int? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let paren = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: paren)...].split(separator: " ")
    return fields.count > 19 ? Int(fields[19]) : nil
  }

  /// Stops a profile's job, then kills by pid whatever is left of it: mpirun's
  /// session, the hub and the engines that cluster.json and client.json name.
  static func end(home: String, profile: String) {
    let directory = home + "/profile_\(profile)"
    let record =
      (try? JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: directory + "/cluster.json")))) as? [String: Any]
    let file =
      (try? JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: directory + "/client.json")))) as? [String: Any]
    guard record != nil || file != nil else { return }
    _ = try? run(["stop", "--profile", profile, "--timeout", "20", "--grace", "3"], home: home, timeout: 45)
    let mpirun = record?["pid"] as? Int
    var pids = [mpirun, record?["hub"] as? Int, file?["pid"] as? Int].compactMap { $0 }
    pids += record?["enginePIDs"] as? [Int] ?? []
    pids += mpirun.map { MPIRun.livingProcesses(inSession: pid_t($0)).map(Int.init) } ?? []
    for pid in Set(pids) where pid > 1 && isAlive(pid) { kill(pid_t(pid), SIGKILL) }
  }
}
