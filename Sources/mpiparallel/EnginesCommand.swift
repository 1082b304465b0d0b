// `mpiparallel engines [list]`, `mpiparallel engines retire ID...`: the served
// job's engines. (Under MPI the runtime itself lists them instead: see
// EnginesUnderMPI.)
import ArgumentParser

struct EnginesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "engines",
    abstract: "The engines: list them (the default), or retire some.",
    discussion: """
      `mpiparallel engines` lists the engines: id, rank, host, pid, tasks done, state. \
      `mpiparallel engines retire ID...` retires engines.

      Under MPI, `mpirun -np N mpiparallel engines` starts the runtime itself and lists \
      its N-1 engines instead (a check that a machine or an allocation works).
      """,
    subcommands: [EnginesListCommand.self, EnginesRetireCommand.self, EnginesAddCommand.self],
    defaultSubcommand: EnginesListCommand.self)
}
