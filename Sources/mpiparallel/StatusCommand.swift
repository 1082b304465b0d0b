// `mpiparallel status`: the hub's queues, per engine and unassigned.
import ArgumentParser
import MPIParallelSteering

struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "The queues: each engine's queued, running and completed tasks, and the unassigned ones.")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let status = try client.queueStatus()
    if output.json {
      try Output.json(status)
      return
    }
    Output.table(
      ["engine", "queued", "running", "completed", "state"],
      status.engines.map {
        [String($0.id), String($0.queued), String($0.running), String($0.completed), $0.state ?? "up"]
      })
    print("unassigned: \(status.unassigned)")
  }
}
