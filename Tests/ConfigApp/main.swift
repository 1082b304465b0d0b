// The configuration tests' program: `mpirun -np N mpp-configapp [ARGS...]`
// starts the runtime and prints, from the driver, the configuration in effect
// and the arguments left to the program, one `KEY value` line each.
import MPIParallel

let echo = RemoteFunction("echo") { (x: Int) -> Int in x }

let code: Configuration
if let hwm = Cluster.arguments.dropFirst().first(where: { $0.hasPrefix("code-hwm=") }) {
  code = Configuration(highWaterMark: Int(hwm.dropFirst("code-hwm=".count)) ?? 1)
} else {
  code = Configuration()
}

Cluster.run(echo, configuration: code) { client in
  let configuration = Cluster.configuration
  print("ENGINES \(client.ids.count)")
  print("SCHEME \(configuration.scheme.rawValue)")
  print("HWM \(configuration.highWaterMark)")
  print("BACKOFF \(configuration.backoff)")
  print("JOURNAL \(configuration.journal ?? "-")")
  print("PROFILE \(configuration.profile ?? "-")")
  print("LOGLEVEL \(configuration.logLevel)")
  print("SERVE \(configuration.serve) \(configuration.servePort)")
  print("ARGS \(Cluster.arguments.dropFirst().joined(separator: " "))")
  let results = try client.loadBalancedView().map(echo, Array(0..<20)).get()
  print(results == Array(0..<20) ? "ECHO ok" : "ECHO mismatch \(results)")
}
