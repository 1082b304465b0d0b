import Foundation

/// Runs the benchmark's cases under mpirun, and the C floor beside them, and
/// reports: a table, then one JSON object on the last line.
struct Orchestrator {
  let arguments: [String]

  /// The cases: name, ranks, and the keys they report.
  static let cases: [(name: String, ranks: Int, arguments: [String])] = [
    ("farm", 5, []), ("farm-hwm64", 5, ["--hwm", "64"]), ("farm-journal", 5, ["--journal", journalPath]),
    ("rtt", 2, []), ("scatter", 5, []), ("sleep32", 5, []),
    ("idle", 5, []), ("map1M", 5, []),
  ]

  /// The journal the journaled farm writes (removed before and after).
  static let journalPath = NSTemporaryDirectory() + "mpiparallel-bench-\(getpid()).journal"

  static func removeJournal() {
    for suffix in ["", "-wal", "-shm", ".crashes"] {
      try? FileManager.default.removeItem(atPath: journalPath + suffix)
    }
  }

  static let keys = [
    "lb_tasks_per_s", "lb_chunked_tasks_per_s", "apply_rtt_us", "scatter_80MB_s", "gather_80MB_s",
    "sleep32_makespan_s", "sleep32_hinted_makespan_s", "idle_engine_cpu_percent", "hub_cpu_us_per_task",
    "map_1M_rank0_peak_rss_mb",
  ]

  func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
  }

  func run() -> Int32 {
    let me = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    var results: [String: Any] = [:]
    var floor: [String: Any] = [:]
    var floorRTT: [String: Any] = [:]
    let only = option("--only").map { Set($0.split(separator: ",").map(String.init)) }
    if let cLimit = option("--c-limit") {
      floor = runJSON([cLimit], ranks: 5) ?? [:]
      floorRTT = runJSON([cLimit], ranks: 2) ?? [:]
    }
    if let farmCPU = option("--c-farm-cpu") {
      floor.merge(runJSON([farmCPU], ranks: 5) ?? [:]) { old, _ in old }
    }
    for (name, ranks, extra) in Self.cases where only?.contains(name) ?? true {
      Self.removeJournal()
      defer { Self.removeJournal() }
      guard let values = runJSON([me] + extra + [name], ranks: ranks, prefix: "RESULT ") else {
        FileHandle.standardError.write(Data("bench: case \(name) failed\n".utf8))
        return 1
      }
      results.merge(values) { $1 }
    }
    printTable(results, floor: floor, floorRTT: floorRTT)
    var json = results
    if !floor.isEmpty {
      json["c_farm_tasks_per_s"] = floor["farm_tasks_per_s"]
      json["c_pingpong_rtt_us_np2"] = floorRTT["pingpong_rtt_us"]
      json["c_scatter_80MB_s"] = floor["scatter_80MB_s"]
      json["c_gather_80MB_s"] = floor["gather_80MB_s"]
      json["c_master_cpu_us_per_task"] = floor["master_cpu_us_per_task"]
    }
    let data = try! JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    return 0
  }

  /// Runs `command` under mpirun and parses the JSON on its line starting with `prefix`.
  func runJSON(_ command: [String], ranks: Int, prefix: String = "{") -> [String: Any]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["mpirun", "--oversubscribe", "-np", "\(ranks)"] + command
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

  func printTable(_ results: [String: Any], floor: [String: Any], floorRTT: [String: Any]) {
    func number(_ value: Any?) -> String {
      guard let value = value as? Double else { return "-" }
      return value >= 1000 ? String(format: "%.0f", value) : String(format: "%.4g", value)
    }
    func ratio(_ a: Any?, _ b: Any?) -> String {
      guard let a = a as? Double, let b = b as? Double, b > 0 else { return "" }
      return String(format: "%.2fx", a / b)
    }
    let rows: [(String, String, Any?, Any?)] = [
      (
        "lb_tasks_per_s", "load-balanced no-op tasks/s (chunk 1)", results["lb_tasks_per_s"],
        floor["farm_tasks_per_s"]
      ),
      (
        "lb_chunked_tasks_per_s", "load-balanced no-op tasks/s (chunk 1000)",
        results["lb_chunked_tasks_per_s"], nil
      ),
      (
        "lb_journal_tasks_per_s", "  the same, chunk 1, with the journal on",
        results["lb_journal_tasks_per_s"], nil
      ),
      (
        "lb_hwm64_tasks_per_s", "  the same, chunk 1, hwm 64 (bundled)", results["lb_hwm64_tasks_per_s"],
        floor["farm_tasks_per_s"]
      ),
      (
        "apply_rtt_us", "blocking apply round trip, us (-np 2)", results["apply_rtt_us"],
        floorRTT["pingpong_rtt_us"]
      ),
      ("scatter_80MB_s", "scatter 1e7 doubles, s", results["scatter_80MB_s"], floor["scatter_80MB_s"]),
      ("gather_80MB_s", "gather 1e7 doubles, s", results["gather_80MB_s"], floor["gather_80MB_s"]),
      (
        "sleep32_makespan_s", "32 sleep tasks, makespan s (ideal online 1.36)", results["sleep32_makespan_s"],
        nil
      ),
      (
        "sleep32_hinted_makespan_s", "  with cost hints, s (lower bound 1.24)",
        results["sleep32_hinted_makespan_s"], nil
      ),
      ("idle_engine_cpu_percent", "idle engine CPU, % of a core", results["idle_engine_cpu_percent"], nil),
      (
        "hub_cpu_us_per_task", "rank 0 CPU per task, us", results["hub_cpu_us_per_task"],
        floor["master_cpu_us_per_task"]
      ),
      (
        "hub_user_us_per_task", "  of which in user space", results["hub_user_us_per_task"],
        floor["master_user_us_per_task"]
      ),
      (
        "hub_system_us_per_task", "  of which in the kernel (yields)", results["hub_system_us_per_task"],
        floor["master_system_us_per_task"]
      ),
      (
        "hub_cpu_us_per_task_hwm64", "rank 0 CPU per task, hwm 64 (bundled), us",
        results["hub_cpu_us_per_task_hwm64"],
        nil
      ),
      (
        "map_1M_rank0_peak_rss_mb", "rank 0 peak RSS, 1M-item map, MB", results["map_1M_rank0_peak_rss_mb"],
        nil
      ),
    ]
    print("case".padding(toLength: 52, withPad: " ", startingAt: 0) + "MPIParallel     C floor      ratio")
    for (_, label, value, cValue) in rows {
      print(
        label.padding(toLength: 52, withPad: " ", startingAt: 0)
          + number(value).padding(toLength: 16, withPad: " ", startingAt: 0)
          + number(cValue).padding(toLength: 13, withPad: " ", startingAt: 0) + ratio(value, cValue))
    }
  }
}
