// `mpiparallel engines` (or `engines list`): the served job's engines.
import ArgumentParser
import MPIParallelSteering

struct EnginesListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "The engines: id, rank, host, pid, tasks done, state (idle, busy, retiring, retired, lost).")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let engines = try client.engines()
    if output.json {
      try Output.json(engines)
    } else {
      Output.engines(engines)
    }
  }
}
