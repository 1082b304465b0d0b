// The configuration tests' program: `mpirun -np N mpp-configapp [ARGS...]`
// starts the runtime and prints, from the driver, the configuration in effect
// and the arguments left to the program, one `KEY value` line each. Served
// (`--serve`), a steering client on rank 0 prints the same, runs the echo map
// over TCP and stops the job.
import Foundation
import MPIParallel
import MPIParallelSteering

let echo = RemoteFunction("echo") { (x: Int) -> Int in x }

let code: Configuration
if let hwm = Cluster.arguments.dropFirst().first(where: { $0.hasPrefix("code-hwm=") }) {
  code = Configuration(highWaterMark: Int(hwm.dropFirst("code-hwm=".count)) ?? 1)
} else {
  code = Configuration()
}

func report(engines: Int, echoed: [Int]) {
  let configuration = Cluster.configuration
  print("ENGINES \(engines)")
  print("SCHEME \(configuration.scheme.rawValue)")
  print("HWM \(configuration.highWaterMark)")
  print("BACKOFF \(configuration.backoff)")
  print("JOURNAL \(configuration.journal ?? "-")")
  print("PROFILE \(configuration.profile ?? "-")")
  print("LOGLEVEL \(configuration.logLevel)")
  print("SERVE \(configuration.serve) \(configuration.servePort)")
  print("ARGS \(Cluster.arguments.dropFirst().joined(separator: " "))")
  print(echoed == Array(0..<20) ? "ECHO ok" : "ECHO mismatch \(echoed)")
}

/// Rank 0 of a served job: connect as a steering client once the hub serves, report, stop it.
func steerOnceServing() {
  Thread.detachNewThread {
    do {
      var path = ""
      while path.isEmpty || !FileManager.default.fileExists(atPath: path) {
        Thread.sleep(forTimeInterval: 0.05)
        path = try ProfileDirectory(name: Cluster.configuration.profile ?? "default").connectionFile
      }
      let client = try MPIParallelSteering.Client(connectionFile: path)
      let echoed = try client.loadBalancedView().map("echo", Array(0..<20), as: Int.self).get()
      report(engines: client.ids.count, echoed: echoed)
      try client.stop()
      print("STOPPED")
    } catch {
      print("STEERING FAILED \(error)")
    }
  }
}

if ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"] == "0",
  CommandLine.arguments.contains("--serve")
{
  steerOnceServing()
}

Cluster.run(echo, configuration: code) { client in
  let results = try client.loadBalancedView().map(echo, Array(0..<20)).get()
  report(engines: client.ids.count, echoed: results)
}
