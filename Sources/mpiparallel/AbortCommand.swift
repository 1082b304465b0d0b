// `mpiparallel abort TASK_ID...`: aborts those of the tasks not started yet.
import ArgumentParser
import MPIParallelSteering

struct AbortCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "abort",
    abstract:
      "Abort tasks not started yet, in the hub or waiting on an engine (running or finished ones are not touched)."
  )

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  @Argument(help: "The hub's task ids.")
  var tasks: [Int] = []

  func validate() throws {
    if tasks.isEmpty { throw ValidationError("give one or more task ids") }
  }

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let aborted = try client.abort(tasks)
    let others = tasks.filter { !aborted.contains($0) }
    if output.json {
      try Output.json(["aborted": aborted.sorted(), "notAborted": others])
      return
    }
    let list = { (ids: [Int]) in ids.map(String.init).joined(separator: " ") }
    if !aborted.isEmpty { print("aborted: \(list(aborted.sorted()))") }
    if !others.isEmpty { print("not aborted (started, finished or unknown): \(list(others))") }
  }
}
