// `mpiparallel pull NAME`: each target engine's namespace value.
import ArgumentParser
import MPIParallelSteering

struct PullCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pull",
    abstract: "Each target engine's value NAME, as JSON.")

  @OptionGroup var connection: ConnectionOptions

  @Option(help: Targets.help, transform: { try Targets.parse($0) })
  var targets: Targets?

  @Flag(help: "Print JSON: {\"engines\": [...], \"values\": [...], \"tasks\": [...]}.")
  var json = false

  @Argument(help: "The name in the engines' namespaces.")
  var name: String

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let engines = try targets.engines(of: client)
    let result = client.directView(targets: engines).pull(name, as: JSONValue.self)
    let values = try result.get()
    if json {
      try Output.json(
        Output.perEngineJSON(
          values, engines: result.engineIDs, fallback: engines ?? client.ids, tasks: result.taskIDs))
    } else {
      Output.perEngine(values, engines: result.engineIDs, fallback: engines ?? client.ids)
    }
  }
}
