// `mpiparallel engines`: the served job's engines. (Under MPI the runtime
// itself lists them instead: see EnginesUnderMPI.)
import ArgumentParser
import MPIParallelSteering

struct EnginesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "engines",
    abstract: "The engines: id, rank, host, pid, tasks done, state.",
    discussion: """
      Under MPI, `mpirun -np N mpiparallel engines` starts the runtime itself and lists \
      its N-1 engines instead (a check that a machine or an allocation works).
      """)

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
