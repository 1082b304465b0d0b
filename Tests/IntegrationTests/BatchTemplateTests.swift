import Foundation
import XCTest

/// The batch templates (Scripts/slurm.sbatch, Scripts/pbs.sh) run on this
/// machine with the scheduler's variables set by hand, launching the built
/// mpp-configapp (`--bin`, no build) under mpirun or a fake srun.
final class BatchTemplateTests: XCTestCase {
  var scratch = ""

  override func setUpWithError() throws {
    scratch = NSTemporaryDirectory() + "mpp-batch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: scratch)
  }

  // MARK: - Slurm

  func testSlurmFallsBackToMPIRunWithoutSrunAndPrintsTheTunnel() throws {
    let result = try runTemplate(
      "slurm.sbatch", arguments: ["--serve", "--port", "7123", "--", "data", "--hwm", "2"],
      environment: ["SLURM_NTASKS": "3", "SLURM_SUBMIT_HOST": "login7", "PATH": Self.pathWithoutSrun()])
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("==== mpirun --enable-recovery -np 3 "), result.describe())
    XCTAssertTrue(result.stdout.contains("ENGINES 2\n"), result.describe())
    // The runtime took its flags (the template's --serve, the user's --hwm); the program got the rest.
    XCTAssertTrue(result.stdout.contains("HWM 2\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("SERVE true 7123\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("ARGS data\n"), result.describe())
    XCTAssertTrue(
      result.stdout.contains(
        "ssh -N -J \(Self.user)@login7 -L 7123:127.0.0.1:7123 \(Self.user)@\(Self.hostname)\n"),
      result.describe())
    // Served: a steering client connected, ran the echo map and stopped the job.
    XCTAssertTrue(result.stdout.contains("ECHO ok\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("STOPPED\n"), result.describe())
  }

  func testSlurmUsesSrunWhenPresent() throws {
    let fakeBin = scratch + "/bin"
    try FileManager.default.createDirectory(atPath: fakeBin, withIntermediateDirectories: true)
    // A fake srun: says how it was called, then runs the job with mpirun.
    let srun = """
      #!/bin/bash
      if [ "$1" = --mpi=list ]; then echo "MPI plugin types are... none"; exit 0; fi
      echo "FAKE SRUN $*"
      args=()
      for a in "$@"; do
        case "$a" in --ntasks=*) n=${a#--ntasks=} ;; *) args+=("$a") ;; esac
      done
      exec mpirun -np "$n" "${args[@]}"
      """
    try srun.write(toFile: fakeBin + "/srun", atomically: true, encoding: .utf8)
    chmod(fakeBin + "/srun", 0o755)
    let result = try runTemplate(
      "slurm.sbatch", arguments: ["x"],
      environment: ["SLURM_NTASKS": "4", "PATH": fakeBin + ":" + Self.pathWithoutSrun()])
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("==== srun --ntasks=4 "), result.describe())
    XCTAssertTrue(result.stdout.contains("FAKE SRUN --ntasks=4 "), result.describe())
    XCTAssertTrue(result.stdout.contains("ENGINES 3\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("ARGS x\n"), result.describe())
    XCTAssertFalse(result.stdout.contains("ssh -N"), result.describe())
  }

  func testAnMPIRunThatStaysAfterRankZeroEndedIsEndedAndRankZerosStatusKept() throws {
    // A fake mpirun as Open MPI 4.1's behaves across nodes after a rank died
    // under --enable-recovery: rank 0 wrote its status (4: engines lost),
    // every rank is gone, and mpirun stays.
    let fakeBin = scratch + "/bin"
    try FileManager.default.createDirectory(atPath: fakeBin, withIntermediateDirectories: true)
    let mpirun = """
      #!/bin/bash
      echo "FAKE MPIRUN $*"
      echo 4 > "$MPIPARALLEL_STATUS_FILE"
      exec sleep 600
      """
    try mpirun.write(toFile: fakeBin + "/mpirun", atomically: true, encoding: .utf8)
    chmod(fakeBin + "/mpirun", 0o755)
    for (template, environment) in [
      ("slurm.sbatch", ["SLURM_NTASKS": "3", "MPP_LAUNCHER": "mpirun"]),
      ("pbs.sh", ["PBS_NP": "3"]),
    ] {
      let start = Date()
      let result = try runTemplate(
        template, arguments: ["x"],
        environment: environment.merging(["MPP_EXIT_GRACE": "2", "PATH": fakeBin + ":" + Self.pathWithoutSrun()]) {
          $1
        })
      XCTAssertEqual(result.status, 4, "\(template): \(result.describe())")
      XCTAssertTrue(result.stdout.contains("FAKE MPIRUN --enable-recovery"), "\(template): \(result.describe())")
      XCTAssertTrue(
        result.stderr.contains("mpirun still runs 2 s after rank 0 ended"), "\(template): \(result.describe())")
      XCTAssertLessThan(Date().timeIntervalSince(start), 30, template)
    }
  }

  func testSlurmRankCountErrors() throws {
    let missing = try runTemplate("slurm.sbatch", environment: ["SLURM_NTASKS": "", "SLURM_NPROCS": ""])
    XCTAssertEqual(missing.status, 2, missing.describe())
    XCTAssertTrue(missing.stderr.contains("SLURM_NTASKS is not set"), missing.describe())
    let one = try runTemplate("slurm.sbatch", environment: ["SLURM_NTASKS": "1"])
    XCTAssertEqual(one.status, 2, one.describe())
    XCTAssertTrue(one.stderr.contains("needs at least 2 tasks"), one.describe())
    XCTAssertFalse(one.stdout.contains("ENGINES"), one.describe())
  }

  // MARK: - PBS

  func testPBSCountsTheNodefileAndPassesIt() throws {
    let nodefile = scratch + "/nodes"
    try String(repeating: "localhost\n", count: 4).write(toFile: nodefile, atomically: true, encoding: .utf8)
    let result = try runTemplate(
      "pbs.sh", arguments: ["c"],
      environment: ["PBS_NODEFILE": nodefile, "PBS_NP": "", "MPP_ARGS": "a --log-level debug b"])
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("==== mpirun --enable-recovery -np 4 --hostfile \(nodefile) "), result.describe())
    XCTAssertTrue(result.stdout.contains("ENGINES 3\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("ARGS a b c\n"), result.describe())
    XCTAssertTrue(result.stderr.contains("hub: 3 engines up"), result.describe())
  }

  func testPBSNpWinsAndServeFromAVariable() throws {
    let nodefile = scratch + "/nodes"
    try String(repeating: "localhost\n", count: 4).write(toFile: nodefile, atomically: true, encoding: .utf8)
    let result = try runTemplate(
      "pbs.sh",
      environment: ["PBS_NODEFILE": nodefile, "PBS_NP": "3", "MPP_SERVE": "1", "PBS_O_HOST": "head1"])
    XCTAssertEqual(result.status, 0, result.describe())
    XCTAssertTrue(result.stdout.contains("==== mpirun --enable-recovery -np 3 "), result.describe())
    XCTAssertTrue(result.stdout.contains("ENGINES 2\n"), result.describe())
    XCTAssertTrue(result.stdout.contains("SERVE true 7070\n"), result.describe())
    XCTAssertTrue(
      result.stdout.contains(
        "ssh -N -J \(Self.user)@head1 -L 7070:127.0.0.1:7070 \(Self.user)@\(Self.hostname)\n"),
      result.describe())
    XCTAssertTrue(result.stdout.contains("STOPPED\n"), result.describe())
  }

  func testPBSWithoutARankCountSaysSo() throws {
    let result = try runTemplate("pbs.sh", environment: ["PBS_NODEFILE": "", "PBS_NP": "", "MPP_RANKS": ""])
    XCTAssertEqual(result.status, 2, result.describe())
    XCTAssertTrue(result.stderr.contains("PBS_NODEFILE and PBS_NP are not set"), result.describe())
  }

  // MARK: - OpenMPI missing

  func testWithoutMPIRunBothTemplatesSayHowToInstall() throws {
    let empty = scratch + "/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    let environment = [
      "PATH": empty, "SLURM_NTASKS": "3", "MPP_RANKS": "3", "PBS_NODEFILE": "", "PBS_NP": "",
    ]
    for template in ["slurm.sbatch", "pbs.sh"] {
      let result = try runTemplate(template, environment: environment)
      XCTAssertEqual(result.status, 127, result.describe())
      XCTAssertTrue(result.stderr.contains("apt-get install openmpi-bin libopenmpi-dev"), result.describe())
      XCTAssertTrue(result.stderr.contains("module load openmpi"), result.describe())
    }
  }

  func testAProgramWhoseMPILibraryIsMissingIsNamedBeforeLaunch() throws {
    // A program linked to a library that is then removed: what a binary built
    // against OpenMPI meets on a node without it.
    guard
      let clang = MPIRun.findExecutable(
        "clang", path: "/opt/swift/usr/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? ""))
    else {
      throw XCTSkip("no clang to build a program with a missing library")
    }
    try "int fake_mpi(void) { return 0; }\n".write(
      toFile: scratch + "/lib.c", atomically: true, encoding: .utf8)
    try "int fake_mpi(void);\nint main(void) { return fake_mpi(); }\n".write(
      toFile: scratch + "/main.c", atomically: true, encoding: .utf8)
    let library = try MPIRun.runDirect(
      executable: clang,
      arguments: ["-shared", "-fPIC", "-o", scratch + "/libfakempi.so", scratch + "/lib.c"], timeout: 120)
    XCTAssertEqual(library.status, 0, library.describe())
    let program = try MPIRun.runDirect(
      executable: clang,
      arguments: ["-o", scratch + "/app", scratch + "/main.c", "-L" + scratch, "-lfakempi"], timeout: 120)
    XCTAssertEqual(program.status, 0, program.describe())
    try FileManager.default.removeItem(atPath: scratch + "/libfakempi.so")
    let result = try runTemplate(
      "slurm.sbatch", arguments: [], binary: scratch + "/app",
      environment: ["SLURM_NTASKS": "3", "PATH": Self.pathWithoutSrun()])
    XCTAssertEqual(result.status, 127, result.describe())
    XCTAssertTrue(
      result.stderr.contains("needs libraries that are not installed here: libfakempi.so"), result.describe())
    XCTAssertTrue(result.stderr.contains("apt-get install openmpi-bin libopenmpi-dev"), result.describe())
    XCTAssertFalse(result.stdout.contains("===="), result.describe())
  }

  // MARK: - Helpers

  /// Runs `bash Scripts/<template> --bin <binary> <arguments>` with the harness's MPI settings and `environment`.
  func runTemplate(
    _ template: String, arguments: [String] = [], binary: String? = nil, environment: [String: String] = [:]
  ) throws -> MPIRunResult {
    let script = LaunchTests.packageRoot + "/Scripts/" + template
    let bin = try binary ?? MPIRun.productPath("mpp-configapp")
    var env = MPIRun.mergedEnvironment(["MPIPARALLEL_HOME": scratch + "/mpiparallel-home"])
    for (key, value) in environment {
      env[key] = value.isEmpty ? nil : value
    }
    let bash = MPIRun.findExecutable("bash", path: "/bin:/usr/bin") ?? "/bin/bash"
    let (result, _) = try MPIRun.execute(
      [bash, script, "--bin", bin] + arguments, environment: env, timeout: 90)
    XCTAssertFalse(result.timedOut, result.describe())
    return result
  }

  /// PATH without any directory holding an `srun`, and with mpirun's.
  /// PATH with no `srun` on it: a folder that holds srun (as /usr/bin does
  /// where Slurm is installed) is replaced by a folder of links to
  /// everything else in it.
  static func pathWithoutSrun() -> String {
    let path = MPIRun.mergedEnvironment([:])["PATH"] ?? "/usr/bin:/bin"
    let shadows = NSTemporaryDirectory() + "mpiparallel-no-srun-\(getpid())"
    let manager = FileManager.default
    return path.split(separator: ":").map(String.init).map { directory in
      guard manager.isExecutableFile(atPath: directory + "/srun") else { return directory }
      let shadow = shadows + directory
      if !manager.fileExists(atPath: shadow) {
        try? manager.createDirectory(atPath: shadow, withIntermediateDirectories: true)
        for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] where name != "srun" {
          try? manager.createSymbolicLink(atPath: shadow + "/" + name, withDestinationPath: directory + "/" + name)
        }
      }
      return shadow
    }.joined(separator: ":")
  }

  static var user: String { ProcessInfo.processInfo.environment["USER"] ?? NSUserName() }

  static var hostname: String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
