// `mpiparallel push NAME JSON`: sets a namespace value on each target engine.
import ArgumentParser
import MPIParallelSteering

struct PushCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "push",
    abstract: "Set NAME to a JSON value in each target engine's namespace.")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  @Option(help: Targets.help, transform: { try Targets.parse($0) })
  var targets: Targets?

  @Argument(help: "The name in the engines' namespaces.")
  var name: String

  @Argument(help: "The value, a JSON text ('\"text\"' for a string; after -- when negative).")
  var value: String

  func run() throws {
    let json = try JSONArguments.parse(value, what: "the value")
    let client = try connection.connect()
    defer { client.close() }
    let engines = try targets.engines(of: client) ?? client.ids
    _ = try client.directView(targets: engines).push(name, json).get()
    if output.json {
      try Output.json(
        JSONValue.object(["name": .string(name), "engines": .array(engines.map(JSONValue.int))]))
    } else {
      print("pushed \(name) to engines \(engines.map(String.init).joined(separator: " "))")
    }
  }
}
