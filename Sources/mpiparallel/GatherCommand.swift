// `mpiparallel gather NAME`: the target engines' arrays NAME, concatenated in engine order.
import ArgumentParser
import MPIParallelSteering

struct GatherCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gather",
    abstract: "The target engines' arrays NAME, concatenated in engine order; one value per line.")

  @OptionGroup var connection: ConnectionOptions

  @Option(help: Targets.help, transform: { try Targets.parse($0) })
  var targets: Targets?

  @Flag(help: "Print one JSON array.")
  var json = false

  @Argument(help: "The name in the engines' namespaces.")
  var name: String

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let values = try client.directView(targets: try targets.engines(of: client)).gather(
      name, as: JSONValue.self
    )
    .get()
    if json {
      try Output.json(values)
    } else {
      for value in values { print(value.description) }
    }
  }
}
