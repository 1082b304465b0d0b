import Foundation
import XCTest

/// `Scripts/slurm.sbatch` submitted for real to a one-node Slurm
/// (`Scripts/slurm-cluster up`, which `Scripts/test` runs as root and names
/// in `SLURM_CONF`): a farm, a served job steered through the batch system,
/// and a job killed at its time limit that resumes from its journal.
final class SlurmTests: XCTestCase {
  var directory = ""

  override func setUpWithError() throws {
    guard let conf = ProcessInfo.processInfo.environment["SLURM_CONF"], FileManager.default.fileExists(atPath: conf)
    else {
      throw XCTSkip("no Slurm cluster here: Scripts/test starts one as root (Scripts/slurm-cluster up) and sets SLURM_CONF")
    }
    directory = NSTemporaryDirectory() + "mpiparallel-slurm-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  }

  override func tearDown() {
    try? FileManager.default.removeItem(atPath: directory)
  }

  func testTheTemplateRunsAFarmThroughSbatch() throws {
    let job = try sbatch(["--ntasks=3", "--output=\(directory)/%j.out"], program: "primes", arguments: [])
    let end = try waitForEnd(job, timeout: 120)
    let output = try String(contentsOfFile: "\(directory)/\(job).out", encoding: .utf8)
    XCTAssertEqual(end.state, "COMPLETED", output)
    XCTAssertEqual(end.exitCode, "0:0", output)
    XCTAssertTrue(output.contains("==== srun --mpi=pmix --ntasks=3 "), output)
    XCTAssertTrue(output.contains("2 engines, 24 numbers"), output)
    XCTAssertTrue(output.contains("CHECK LoadBalancedView.map equals serial: ok"), output)
    XCTAssertFalse(output.contains("FAIL"), output)
  }

  func testAServedJobIsSteeredThroughTheBatchSystem() throws {
    let home = directory + "/home"
    let port = try Self.freePort()
    let job = try sbatch(
      ["--ntasks=3", "--output=\(directory)/%j.out"], program: "heat", arguments: [],
      template: ["--serve", "--port", "\(port)"], environment: ["MPIPARALLEL_HOME": home])
    defer { Self.slurm("scancel", [job]) }
    let connection = home + "/profile_default/client.json"
    let deadline = Date().addingTimeInterval(90)
    while !FileManager.default.fileExists(atPath: connection) && Date() < deadline { usleep(100_000) }
    XCTAssertTrue(FileManager.default.fileExists(atPath: connection), output(of: job))
    func tool(_ arguments: [String]) throws -> MPIRunResult {
      try SteeringCLITests.run(arguments, home: home, timeout: 60)
    }
    let engines = try tool(["engines"])
    XCTAssertEqual(engines.status, 0, engines.describe())
    XCTAssertEqual(engines.stdout.split(separator: "\n").count, 3, engines.describe())
    let initialised = try tool(["apply", "heat.init", "20", "10", "0.2"])
    XCTAssertEqual(initialised.stdout, "engine 0: 10\nengine 1: 10\n", initialised.describe())
    let advanced = try tool(["apply", "heat.advance", "5"])
    XCTAssertEqual(advanced.stdout, "engine 0: 5\nengine 1: 5\n", advanced.describe())
    let stopped = try tool(["stop"])
    XCTAssertEqual(stopped.status, 0, stopped.describe())
    let end = try waitForEnd(job, timeout: 60)
    let output = output(of: job)
    XCTAssertEqual(end.state, "COMPLETED", output)
    XCTAssertEqual(end.exitCode, "0:0", output)
    XCTAssertTrue(output.contains("a steering client asked the job to stop"), output)
  }

  /// `--time=1`: Slurm sends SIGTERM at the limit (then SIGKILL after its
  /// KillWait); the journal records the run as terminated, and the same job
  /// submitted again finishes the farm without running a finished task again.
  func testAJobKilledAtItsTimeLimitResumesFromTheJournal() throws {
    let journal = directory + "/farm.journal"
    let log = directory + "/ran.log"
    // 6,000 tasks of 0.16 s on 8 engines: about 120 s, past the 1-minute
    // limit (which Slurm enforces within half a minute of it).
    let arguments = ["--journal", journal, "journal-farm", log, "6000"]
    let first = try sbatch(
      ["--ntasks=9", "--time=1", "--output=\(directory)/run1.out"], program: "mpp-testapp", arguments: arguments)
    let killed = try waitForEnd(first, timeout: 180)
    let run1 = try String(contentsOfFile: directory + "/run1.out", encoding: .utf8)
    XCTAssertEqual(killed.state, "TIMEOUT", run1)
    XCTAssertFalse(run1.contains("FARM OK"), run1)
    let done = Set(run1.split(separator: "\n").filter { $0.hasPrefix("done ") }.map { String($0.dropFirst(5)) })
    XCTAssertGreaterThan(done.count, 0, run1)
    XCTAssertTrue(run1.contains("terminated; writing the journal"), run1)
    let ranFirst = try lines(log).count

    let second = try sbatch(
      ["--ntasks=9", "--output=\(directory)/run2.out"], program: "mpp-testapp", arguments: arguments)
    let finished = try waitForEnd(second, timeout: 180)
    let run2 = try String(contentsOfFile: directory + "/run2.out", encoding: .utf8)
    XCTAssertEqual(finished.state, "COMPLETED", run2)
    XCTAssertTrue(run2.contains("FARM OK"), run2)
    XCTAssertTrue(run2.contains("ALL CHECKS PASSED"), run2)
    let ranAgain = Set(try lines(log).dropFirst(ranFirst).map { String($0.dropFirst(4)) })
    XCTAssertTrue(
      ranAgain.isDisjoint(with: done),
      "run 2 ran again tasks whose results run 1 had: \(ranAgain.intersection(done).sorted())")
    XCTAssertEqual(
      Set(try lines(log).map { String($0.dropFirst(4)) }).count, 6000, "every task ran in one of the two runs")
  }

  // MARK: Slurm

  /// Submits the template with `program` (a built product) and its
  /// arguments; the job id.
  func sbatch(
    _ options: [String], program: String, arguments: [String], template: [String] = [],
    environment: [String: String] = [:]
  ) throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
    let exports = (["ALL"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
      .joined(separator: ",")
    let result = try MPIRun.runDirect(
      executable: "/usr/bin/env",
      arguments: ["sbatch", "--parsable", "--export=\(exports)"] + options + [
        root + "/Scripts/slurm.sbatch", "--bin", try MPIRun.productPath(program),
      ] + template + ["--"] + arguments,
      environment: environment, timeout: 30)
    XCTAssertEqual(result.status, 0, result.describe())
    let job = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !job.isEmpty, job.allSatisfy(\.isNumber) else {
      throw XCTSkip("sbatch gave no job id: \(result.describe())")
    }
    return job
  }

  /// Waits until the job has ended (the watchdog cancels it at `timeout`);
  /// its state and exit code as Slurm reports them.
  func waitForEnd(_ job: String, timeout: Double) throws -> (state: String, exitCode: String) {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      let fields = Self.jobFields(job)
      if let state = fields["JobState"], !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].contains(state) {
        return (state, fields["ExitCode"] ?? "?")
      }
      usleep(250_000)
    }
    Self.slurm("scancel", [job])
    XCTFail("job \(job) did not end within \(timeout) s: \(Self.jobFields(job))")
    return ("TIMED OUT", "?")
  }

  func output(of job: String) -> String {
    (try? String(contentsOfFile: "\(directory)/\(job).out", encoding: .utf8)) ?? "(no output file)"
  }

  func lines(_ path: String) throws -> [String] {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
  }

  /// `scontrol show job -o ID` as key=value fields.
  static func jobFields(_ job: String) -> [String: String] {
    let text = slurm("scontrol", ["show", "job", "-o", job])
    var fields: [String: String] = [:]
    for word in text.split(whereSeparator: \.isWhitespace) {
      guard let equals = word.firstIndex(of: "=") else { continue }
      fields[String(word[..<equals])] = String(word[word.index(after: equals)...])
    }
    return fields
  }

  @discardableResult
  static func slurm(_ command: String, _ arguments: [String]) -> String {
    (try? MPIRun.runDirect(executable: "/usr/bin/env", arguments: [command] + arguments, timeout: 30).stdout) ?? ""
  }

  /// A TCP port no one listens on now.
  static func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw XCTSkip("no socket") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
      }
    }
    guard bound else { throw XCTSkip("no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
