import Foundation
import MPI

/// Runs the benchmark's cases under mpirun, and the C floor beside them, and
/// reports: a table, then one JSON object on the last line.
struct Orchestrator {
  let arguments: [String]

  /// The cases: name, ranks, and the keys they report.
  static let cases: [(name: String, ranks: Int, arguments: [String])] = [
    ("farm", 5, []), ("farm-hwm64", 5, ["--hwm", "64"]), ("farm-journal", 5, ["--journal", journalPath]),
    ("rtt", 2, []), ("scatter", 5, []), ("sleep32", 5, []),
    ("idle", 5, []), ("map1M", 5, []), ("engine-loss", 5, []), ("add-engines", 5, []),
    ("farm-1ms", 5, []), ("farm-1ms-hwm1", 5, ["--hwm", "1"]),
  ]

  /// Across hosts (`Scripts/bench --hosts N`, run by `Scripts/hosts run`):
  /// the launcher that starts ranks on them, their count, and the cases
  /// that run there by default.
  static let hostsLauncher = ProcessInfo.processInfo.environment["MPPH_MPIRUN"]
  static let hostCount = ProcessInfo.processInfo.environment["MPPH_HOSTS"].map {
    $0.split(separator: " ").count
  }
  static let casesAcrossHosts: Set<String> = [
    "farm", "farm-hwm64", "rtt", "scatter", "farm-1ms", "farm-1ms-hwm1",
  ]

  /// A case's ranks: across hosts, every multi-rank case takes two ranks on
  /// each host (rank 0, the hub, on the first), and the round trip one on
  /// each of two hosts.
  static func ranks(_ ranks: Int) -> Int {
    guard let hostCount, ranks > 2 else { return ranks }
    return 2 * hostCount
  }

  /// What a case needs of mpirun beyond the defaults: the engine-loss case
  /// runs as `mpirun --enable-recovery` does (its MCA variable).
  static func environment(ofCase name: String) -> [String: String] {
    ["engine-loss", "add-engines"].contains(name) ? ["OMPI_MCA_orte_enable_recovery": "1"] : [:]
  }

  /// The journal the journaled farm writes (removed before and after).
  static let journalPath = NSTemporaryDirectory() + "mpiparallel-bench-\(getpid()).journal"

  static func removeJournal() {
    for suffix in ["", "-wal", "-shm", ".crashes"] {
      try? FileManager.default.removeItem(atPath: journalPath + suffix)
    }
  }

  func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
  }

  func run() -> Int32 {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    // Each round runs the C floor, then every case, so that the machine's
    // drift touches both alike.
    let roundCount = option("--rounds").flatMap(Int.init).map { max(1, $0) } ?? 3
    var ours = BenchRounds(splits: [
      "hub_cpu_us_per_task": ["hub_user_us_per_task", "hub_system_us_per_task"]
    ])
    var floor = BenchRounds(splits: [
      "master_cpu_us_per_task": [
        "master_user_us_per_task", "master_system_us_per_task", "master_farm_tasks_per_s",
      ]
    ])
    // The C floor again with Open MPI's yield on each empty poll turned
    // off, as the runtime turns it off for itself (see
    // `MPI.leaveIdlingToCaller`): the same MPI settings on both sides.
    var floorNoYield = BenchRounds(splits: floor.splits)
    var floorRTT = BenchRounds()
    let only =
      option("--only").map { Set($0.split(separator: ",").map(String.init)) }
      ?? (Self.hostsLauncher == nil ? nil : Self.casesAcrossHosts)
    if let hostCount = Self.hostCount {
      FileHandle.standardError.write(
        Data("bench: across \(hostCount) hosts (\(Self.hostsLauncher ?? "mpirun")), TCP only\n".utf8))
    }
    for round in 1...roundCount {
      FileHandle.standardError.write(Data("bench: round \(round) of \(roundCount)\n".utf8))
      // Across hosts the floor's ping-pong comes from its run on every host
      // (rank 1 is on the second host), and its run without Open MPI's yield
      // is left out: at a network's round trip each of them takes minutes.
      // The namespace hosts share this machine's cores, which Open MPI does
      // not know: it is told to yield when idle, as it does by itself on one
      // host with more ranks than cores (without, its ranks spin against
      // each other and the floor takes minutes).
      let floorRun = floorRound(
        environment: Self.hostsLauncher == nil ? [:] : [MPI.openMPIYieldVariable: "1"])
      floor.add(floorRun)
      if Self.hostsLauncher != nil {
        floorRTT.add(floorRun)
      } else {
        if let cLimit = option("--c-limit") { floorRTT.add(runJSON([cLimit], ranks: 2) ?? [:]) }
        floorNoYield.add(floorRound(environment: [MPI.openMPIYieldVariable: "0"]))
      }
      var results: [String: Any] = [:]
      for (name, ranks, extra) in Self.cases where only?.contains(name) ?? true {
        Self.removeJournal()
        defer { Self.removeJournal() }
        guard
          let values = runJSON(
            [me] + extra + [name], ranks: Self.ranks(ranks), prefix: "RESULT ",
            environment: Self.environment(ofCase: name))
        else {
          FileHandle.standardError.write(Data("bench: case \(name) failed\n".utf8))
          return 1
        }
        results.merge(values) { $1 }
      }
      results["hub_core_share_percent"] = Self.coreShare(
        results, cpu: "hub_cpu_us_per_task", rate: "lb_tasks_per_s")
      ours.add(results)
    }
    let results = ours.combined()
    let cFloor = floor.combined()
    let cNoYield = floorNoYield.combined()
    let cRTT = floorRTT.combined()
    printTable(results, ranges: ours, floor: cFloor, floorNoYield: cNoYield, floorRTT: cRTT)
    var json: [String: Any] = results
    json["rounds"] = roundCount
    if !cFloor.isEmpty {
      json["c_farm_tasks_per_s"] = cFloor["farm_tasks_per_s"]
      json["c_pingpong_rtt_us_np2"] = cRTT["pingpong_rtt_us"]
      json["c_scatter_80MB_s"] = cFloor["scatter_80MB_s"]
      json["c_gather_80MB_s"] = cFloor["gather_80MB_s"]
      json["c_master_cpu_us_per_task"] = cFloor["master_cpu_us_per_task"]
      json["c_farm_tasks_per_s_no_yield"] = cNoYield["farm_tasks_per_s"]
      json["c_scatter_80MB_s_no_yield"] = cNoYield["scatter_80MB_s"]
      json["c_gather_80MB_s_no_yield"] = cNoYield["gather_80MB_s"]
      json["c_master_cpu_us_per_task_no_yield"] = cNoYield["master_cpu_us_per_task"]
    }
    let data = try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    return 0
  }

  /// One round of the C floor (the anchor's farm, scatter and gather on 5
  /// ranks, and rank 0's CPU in a farm), with `environment` added to the
  /// runs'; empty without the C programs.
  func floorRound(environment: [String: String]) -> [String: Any] {
    var round: [String: Any] = [:]
    if let cLimit = option("--c-limit") {
      round = runJSON([cLimit], ranks: Self.ranks(5), environment: environment) ?? [:]
    }
    if let farmCPU = option("--c-farm-cpu"),
      var master = runJSON([farmCPU], ranks: Self.ranks(5), environment: environment)
    {
      // The farm this program times runs beside the anchor's: its rate stays apart.
      master["master_farm_tasks_per_s"] = master.removeValue(forKey: "farm_tasks_per_s")
      round.merge(master) { old, _ in old }
    }
    round["master_core_share_percent"] = Self.coreShare(
      round, cpu: "master_cpu_us_per_task", rate: "master_farm_tasks_per_s")
    return round
  }

  /// Runs `command` under mpirun, with `environment` added to this
  /// process's, and parses the JSON on its line starting with `prefix`.
  func runJSON(
    _ command: [String], ranks: Int, prefix: String = "{", environment: [String: String] = [:]
  ) -> [String: Any]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    if let launcher = Self.hostsLauncher {
      // One rank per host in turn: rank 0 on the first, rank 1 on the second.
      // Open MPI settings go on the command line, which reaches every host.
      let settings = environment.keys.sorted().filter { $0.hasPrefix("OMPI_MCA_") }.flatMap {
        ["--mca", String($0.dropFirst("OMPI_MCA_".count)), environment[$0]!]
      }
      process.arguments = [launcher, "--map-by", "node"] + settings + ["-np", "\(ranks)"] + command
    } else {
      process.arguments = ["mpirun", "--oversubscribe", "-np", "\(ranks)"] + command
    }
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch { return nil }
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      FileHandle.standardError.write(Data(output.utf8))
      return nil
    }
    for line in output.split(separator: "\n") where line.hasPrefix(prefix) {
      let json = prefix == "{" ? Substring(line) : line.dropFirst(prefix.count)
      if let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] {
        return object
      }
    }
    return nil
  }

  /// Rank 0's busy share of one core in a farm, in percent: its CPU per
  /// task times the tasks per second. Polling counts as busy, so this says
  /// how much of a core the hub held while it waited, beside what it did.
  static func coreShare(_ values: [String: Any], cpu: String, rate: String) -> Double? {
    guard let cpu = values[cpu] as? Double, let rate = values[rate] as? Double else { return nil }
    return cpu * rate / 1e4
  }

  /// Prints the combined figures `results` beside the C floor's, with each
  /// figure's range over the rounds in `ranges`.
  func printTable(
    _ results: [String: Double], ranges ours: BenchRounds, floor cFloor: [String: Double],
    floorNoYield cNoYield: [String: Double], floorRTT cRTT: [String: Double]
  ) {
    func number(_ value: Double?) -> String {
      guard let value else { return "-" }
      return value >= 1000 ? String(format: "%.0f", value) : String(format: "%.4g", value)
    }
    func ratio(_ a: Double?, _ b: Double?) -> String {
      guard let a, let b, b > 0 else { return "" }
      return String(format: "%.2fx", a / b)
    }
    func range(_ key: String) -> String {
      guard ours.rounds.count > 1, let range = ours.range(key) else { return "" }
      return number(range.lowerBound) + "-" + number(range.upperBound)
    }
    // Each row: our key, its label, and the C floor's key (nil: none).
    let rows: [(key: String, label: String, c: String?)] = [
      ("lb_tasks_per_s", "load-balanced no-op tasks/s (chunk 1)", "farm_tasks_per_s"),
      ("lb_chunked_tasks_per_s", "load-balanced no-op tasks/s (chunk 1000)", nil),
      ("lb_journal_tasks_per_s", "  the same, chunk 1, with the journal on", nil),
      ("hub_cpu_us_per_task_journal", "    rank 0 CPU per task (both threads), us", nil),
      ("journal_move_s", "    then moving what was staged into tasks, s", nil),
      ("lb_hwm64_tasks_per_s", "  the same, chunk 1, hwm 64 (bundled)", "farm_tasks_per_s"),
      ("apply_rtt_us", "blocking apply round trip, us (-np 2)", "pingpong_rtt_us"),
      ("scatter_80MB_s", "scatter 1e7 doubles, s", "scatter_80MB_s"),
      ("gather_80MB_s", "gather 1e7 doubles, s", "gather_80MB_s"),
      ("sleep32_makespan_s", "32 sleep tasks, makespan s (ideal online 1.36)", nil),
      ("sleep32_hinted_makespan_s", "  with cost hints, s (lower bound 1.24)", nil),
      ("idle_engine_cpu_percent", "idle engine CPU, % of a core", nil),
      ("hub_cpu_us_per_task", "rank 0 CPU per task, us", "master_cpu_us_per_task"),
      ("hub_user_us_per_task", "  of which in user space", "master_user_us_per_task"),
      ("hub_system_us_per_task", "  of which in the kernel (yields)", "master_system_us_per_task"),
      (
        "hub_core_share_percent", "  rank 0 busy, % of a core (CPU/task x tasks/s)",
        "master_core_share_percent"
      ),
      ("hub_cpu_us_per_task_hwm64", "rank 0 CPU per task, hwm 64 (bundled), us", nil),
      ("map_1M_rank0_peak_rss_mb", "rank 0 peak RSS, 1M-item map, MB", nil),
      ("engine_loss_detect_s", "engine SIGKILLed mid-farm: until the hub marks it lost, s", nil),
      ("add_engines_s", "addEngines(2) mid-farm: until both ran a task, s", nil),
      ("farm_1ms_efficiency", "farm of 1 ms tasks: engines busy (tasks x 1 ms / engines x wall)", nil),
      ("farm_1ms_task_ms", "  a task's measured length, ms", nil),
      ("farm_1ms_efficiency_hwm1", "  the same at hwm 1", nil),
      ("farm_1ms_task_ms_hwm1", "  a task's measured length at hwm 1, ms", nil),
    ]
    let rounds = ours.rounds.count
    print("medians of \(rounds) round\(rounds == 1 ? "" : "s"); the range is MPIParallel's over the rounds")
    if Self.hostsLauncher != nil {
      print(
        "C floor: Open MPI's defaults with its yield on each empty poll (the hosts share this machine's cores)"
      )
    } else {
      print(
        "C floor: Open MPI's defaults; C no-yield: without its yield on each empty poll, as MPIParallel runs")
    }
    print(
      "case".padding(toLength: 52, withPad: " ", startingAt: 0)
        + "MPIParallel     C floor      ratio     C no-yield   ratio     range")
    for row in rows {
      let value = results[row.key]
      // The round trip runs on 2 ranks, where Open MPI does not yield either way: one C figure.
      let (floor, quietFloor) = row.key == "apply_rtt_us" ? (cRTT, [:]) : (cFloor, cNoYield)
      let c = row.c.flatMap { floor[$0] }
      let cQuiet = row.c.flatMap { quietFloor[$0] }
      print(
        row.label.padding(toLength: 52, withPad: " ", startingAt: 0)
          + number(value).padding(toLength: 16, withPad: " ", startingAt: 0)
          + number(c).padding(toLength: 13, withPad: " ", startingAt: 0)
          + ratio(value, c).padding(toLength: 10, withPad: " ", startingAt: 0)
          + number(cQuiet).padding(toLength: 13, withPad: " ", startingAt: 0)
          + ratio(value, cQuiet).padding(toLength: 10, withPad: " ", startingAt: 0) + range(row.key))
    }
  }
}
