// `mpiparallel scatter NAME JSON_ARRAY`: one block of the array per target engine.
import ArgumentParser
import MPIParallelSteering

struct ScatterCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scatter",
    abstract: "Split a JSON array into one block per target engine; set NAME to each block.")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  @Option(help: Targets.help, transform: { try Targets.parse($0) })
  var targets: Targets?

  @Argument(help: "The name in the engines' namespaces.")
  var name: String

  @Argument(help: "The values, a JSON array.")
  var values: String

  func run() throws {
    guard case .array(let elements) = try JSONArguments.parse(values, what: "the values") else {
      throw CLIError("scatter needs a JSON array of values, like '[1,2,3]', not \(values)")
    }
    let client = try connection.connect()
    defer { client.close() }
    let engines = try targets.engines(of: client) ?? client.ids
    _ = try client.directView(targets: engines).scatter(name, elements).get()
    if output.json {
      try Output.json(
        JSONValue.object([
          "name": .string(name), "count": .int(elements.count), "engines": .array(engines.map(JSONValue.int)),
        ]))
    } else {
      print(
        "scattered \(elements.count) values as \(name) over engines \(engines.map(String.init).joined(separator: " "))"
      )
    }
  }
}
