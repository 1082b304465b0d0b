// The benchmark behind Scripts/bench. Run plainly, it is the orchestrator:
// it runs the C floor (when given), then each of its own cases under
// `mpirun`, prints a table and, on its last line, one JSON object. Run under
// mpirun with a case name, it is the MPI program of that case and prints one
// line `RESULT {json}` from rank 0.
import Foundation
import MPIParallel

let noop = RemoteFunction("noop") { (x: Int) -> Int in x }
/// Sleeps, then says which engine ran it.
let engineOf = RemoteFunction("engineOf") { (seconds: Double) -> Int in
  Thread.sleep(forTimeInterval: seconds)
  return try EngineContext.current.id
}
/// Sleeps `seconds` and returns how long it slept.
let sleepSeconds = RemoteFunction("sleepSeconds") { (seconds: Double) -> Double in
  preciseSleep(seconds)
}

/// Sleeps until `seconds` from now and returns the time slept. Linux lets
/// a timer fire up to the thread's timer slack late (50 us by default), which
/// would make each 1 ms task 5% longer than it says: the slack is set to
/// 1 ns for the calling thread (prctl is variadic, out of Swift's reach, so
/// through /proc). The wake-up still comes tens of microseconds late on a
/// virtual machine, so the sleep ends `earlyWake` before the deadline and the
/// rest passes yielding the core.
func preciseSleep(_ seconds: Double) -> Double {
  if Thread.current.threadDictionary["timerSlackSet"] == nil {
    let slack = open("/proc/thread-self/timerslack_ns", O_WRONLY)
    if slack >= 0 {
      _ = write(slack, "1", 1)
      close(slack)
    }
    Thread.current.threadDictionary["timerSlackSet"] = true
  }
  let start = monotonicNanoseconds()
  let deadline = start + Int(seconds * 1e9)
  let wake = deadline - earlyWake
  if wake > start {
    var until = timespec(tv_sec: wake / 1_000_000_000, tv_nsec: wake % 1_000_000_000)
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nil) == EINTR {}
  }
  var now = monotonicNanoseconds()
  while now < deadline {
    sched_yield()
    now = monotonicNanoseconds()
  }
  return Double(now - start) / 1e9
}

/// How long before its deadline `preciseSleep` wakes, in nanoseconds.
let earlyWake = 100_000

/// CLOCK_MONOTONIC in nanoseconds.
func monotonicNanoseconds() -> Int {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return time.tv_sec * 1_000_000_000 + time.tv_nsec
}
let cpuSeconds = RemoteFunction("cpuSeconds") { () -> Double in processCPUSeconds() }

func processCPUSeconds() -> Double {
  let (user, system) = processCPUTimes()
  return user + system
}

/// This process's CPU time so far: in user space, and in the kernel (where
/// an oversubscribed node's yields are counted).
func processCPUTimes() -> (user: Double, system: Double) {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  return (
    Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
    Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
  )
}

func peakRSSMegabytes() -> Double {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  return Double(usage.ru_maxrss) / 1024
}

func now() -> Double { Date().timeIntervalSince1970 }

func emit(_ values: [String: Any]) {
  let data = try! JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])
  print("RESULT " + String(decoding: data, as: UTF8.self))
}

/// An iteration count, overridable through the environment for profiling runs.
func count(_ name: String, _ standard: Int) -> Int {
  ProcessInfo.processInfo.environment["MPIPARALLEL_BENCH_\(name)"].flatMap(Int.init) ?? standard
}

struct BenchmarkFailed: Error, CustomStringConvertible {
  let description: String
}

let arguments = Array(CommandLine.arguments.dropFirst())
let underMPI = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil

if arguments.first == "steering-rtt" {
  exit(SteeringRTT.run(arguments))
} else if underMPI {
  runCase(Cluster.arguments.dropFirst().first ?? "")
} else {
  exit(Orchestrator(arguments: arguments).run())
}

func runCase(_ name: String) -> Never {
  Cluster.run(noop, sleepSeconds, cpuSeconds, engineOf) { client in
    let lview = client.loadBalancedView()
    switch name {
    case "farm", "farm-hwm64", "farm-journal":
      let suffix = name == "farm" ? "" : name == "farm-hwm64" ? "_hwm64" : "_journal"
      let items = Array(0..<count("TASKS", 200_000))
      _ = try lview.map(noop, Array(0..<10_000)).get()
      let cpu0 = processCPUTimes()
      let t0 = now()
      let values = try lview.map(noop, items).get()
      let elapsed = now() - t0
      let cpu1 = processCPUTimes()
      let (user, system) = (cpu1.user - cpu0.user, cpu1.system - cpu0.system)
      let cpu = user + system
      guard values == items else { throw BenchmarkFailed(description: "farm results differ") }
      if suffix == "_journal" {
        guard let journal = client.journal else {
          throw BenchmarkFailed(description: "the journal is not on")
        }
        // What the writer staged during the map (all of it written before
        // the map's results came back), moved into the table of tasks now
        // instead of when the writer has been idle for a while.
        let t1 = now()
        try journal.moveStaged()
        emit([
          "lb_journal_tasks_per_s": Double(items.count) / elapsed,
          "hub_cpu_us_per_task_journal": cpu / Double(items.count) * 1e6,
          "journal_move_s": now() - t1,
        ])
        break
      }
      guard suffix.isEmpty else {
        emit([
          "lb_hwm64_tasks_per_s": Double(items.count) / elapsed,
          "hub_cpu_us_per_task_hwm64": cpu / Double(items.count) * 1e6,
        ])
        break
      }
      let t1 = now()
      let chunked = try lview.map(noop, items, chunkSize: 1000).get()
      let chunkedElapsed = now() - t1
      guard chunked == items else { throw BenchmarkFailed(description: "chunked farm results differ") }
      emit([
        "lb_tasks_per_s": Double(items.count) / elapsed,
        "lb_chunked_tasks_per_s": Double(items.count) / chunkedElapsed,
        "hub_cpu_us_per_task": cpu / Double(items.count) * 1e6,
        "hub_user_us_per_task": user / Double(items.count) * 1e6,
        "hub_system_us_per_task": system / Double(items.count) * 1e6,
      ])
    case "farm-1ms", "farm-1ms-hwm1":
      // Tasks that sleep 1 ms: how busy the engines stay, the round trip
      // between tasks included, which across hosts is not negligible.
      let tasks = count("TASKS_1MS", 20000)
      let engines = Double(client.ids.count)
      _ = try lview.map(sleepSeconds, Array(repeating: 0.001, count: 100)).get()
      let t0 = now()
      let slept = try lview.map(sleepSeconds, Array(repeating: 0.001, count: tasks)).get()
      let wall = now() - t0
      let key = name == "farm-1ms" ? "farm_1ms_efficiency" : "farm_1ms_efficiency_hwm1"
      // Beside it, the tasks' mean measured length: a task longer than 1 ms
      // (a late wake-up on a busy machine) shows there, not as idle engines.
      emit([
        key: Double(tasks) * 0.001 / (engines * wall),
        key.replacingOccurrences(of: "efficiency", with: "task_ms"): slept.reduce(0, +) / Double(tasks) * 1e3,
      ])
    case "rtt":
      let engine = client[0]
      for i in 0..<1000 { _ = try engine.apply(noop, i).get() }
      let calls = count("CALLS", 20_000)
      let t0 = now()
      for i in 0..<calls {
        guard try engine.apply(noop, i).get() == i else { throw BenchmarkFailed(description: "rtt result") }
      }
      emit(["apply_rtt_us": (now() - t0) / Double(calls) * 1e6])
    case "scatter":
      let all = client[...]
      let data = (0..<10_000_000).map(Double.init)
      all.scatter("warm", [1.0, 2.0, 3.0, 4.0])
      _ = try all.gather("warm", as: [Double].self).get()
      let t0 = now()
      try all.scatter("a", data).get()
      let scatter = now() - t0
      let t1 = now()
      let back = try all.gather("a", as: [Double].self).get()
      let gather = now() - t1
      guard back == data else { throw BenchmarkFailed(description: "gathered data differs") }
      emit(["scatter_80MB_s": scatter, "gather_80MB_s": gather])
    case "sleep32":
      let durations = (0..<32).map { 0.01 * Double($0) }
      _ = try lview.map(noop, Array(0..<100)).get()
      let t0 = now()
      _ = try lview.map(sleepSeconds, durations).get()
      let inOrder = now() - t0
      let t1 = now()
      _ = try lview.map(sleepSeconds, durations, costs: durations).get()
      emit(["sleep32_makespan_s": inOrder, "sleep32_hinted_makespan_s": now() - t1])
    case "idle":
      let all = client[...]
      _ = try lview.map(noop, Array(0..<20_000)).get()
      let before = try all.apply(cpuSeconds).get()
      Thread.sleep(forTimeInterval: 2)
      let after = try all.apply(cpuSeconds).get()
      let percents = zip(before, after).map { ($1 - $0) / 2 * 100 }
      emit(["idle_engine_cpu_percent": percents.reduce(0, +) / Double(percents.count)])
    case "engine-loss":
      // A farm of 1 ms tasks; the last engine is killed with SIGKILL a
      // moment in: from the kill to the hub marking it lost (its own
      // clock), then every result must still arrive.
      guard let victim = client.ids.last, client.ids.count > 1 else {
        throw BenchmarkFailed(description: "engine-loss needs two engines")
      }
      let durations = Array(repeating: 0.001, count: 3000)
      let pending = lview.map(sleepSeconds, durations)
      Thread.sleep(forTimeInterval: 0.3)
      let killed = now()
      kill(pid_t(client.engines[victim].pid), SIGKILL)
      var detected: Double?
      while detected == nil && now() - killed < 30 {
        if case .lost(let report) = client.state(ofEngine: victim) {
          detected = report.at.timeIntervalSince1970 - killed
        } else {
          usleep(100)
        }
      }
      guard let detected else { throw BenchmarkFailed(description: "the killed engine was not marked lost") }
      // Each task answers the time it slept: every one must be there, and whole.
      let slept = try pending.get()
      guard slept.count == durations.count, zip(slept, durations).allSatisfy({ $0 >= $1 * 0.999 }) else {
        throw BenchmarkFailed(description: "engine-loss results differ")
      }
      emit(["engine_loss_detect_s": detected])
    case "add-engines":
      // A farm of 1 ms tasks; two engines added a moment in: from the call
      // to both having answered a task.
      let before = client.ids.count
      let pending = lview.map(engineOf, Array(repeating: 0.001, count: 4000), ordered: false)
      Thread.sleep(forTimeInterval: 0.2)
      let t0 = now()
      let added = try client.addEngines(2)
      var seen = Set<Int>()
      var both: Double?
      for item in pending {
        let engine = try item.get()
        if added.contains(engine) && both == nil {
          seen.insert(engine)
          if seen.count == added.count { both = now() - t0 }
        }
      }
      guard let both, client.ids.count == before + 2 else {
        throw BenchmarkFailed(description: "the added engines ran no task")
      }
      emit(["add_engines_s": both])
    case "map1M":
      let items = Array(0..<1_000_000)
      let values = try lview.map(noop, items).get()
      guard values == items else { throw BenchmarkFailed(description: "map1M results differ") }
      emit(["map_1M_rank0_peak_rss_mb": peakRSSMegabytes()])
    default:
      throw BenchmarkFailed(description: "unknown case '\(name)'")
    }
  }
}
