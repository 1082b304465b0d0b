// `mpiparallel abort TASK_ID...`: aborts those of the tasks still queued in the hub.
import ArgumentParser
import MPIParallelSteering

struct AbortCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "abort",
    abstract: "Abort tasks still queued in the hub (running or finished ones are not touched).")

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
    if !others.isEmpty { print("not aborted (not queued: running, finished or unknown): \(list(others))") }
  }
}
