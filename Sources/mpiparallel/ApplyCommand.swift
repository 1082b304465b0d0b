// `mpiparallel apply FUNC [ARGS...]`: one call on each target engine (a
// DirectView's apply); each argument is a JSON text.
import ArgumentParser
import Foundation
import MPIParallelSteering

struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Run a function once on each target engine; print each engine's result.",
    discussion: """
      Arguments are JSON: 3, 2.5, true, '[1,2]', '{"x":1}'; a string needs JSON's quotes \
      inside the shell's: '"text"'.
      With --output FILE the results go to FILE in engine order: strings as they are, \
      concatenated (an engine's piece of a picture), other values as JSON, one per line.
      """)

  @OptionGroup var connection: ConnectionOptions

  @Option(help: Targets.help, transform: { try Targets.parse($0) })
  var targets: Targets?

  @Option(name: .shortAndLong, help: ArgumentHelp("Write the results to this file.", valueName: "file"))
  var output: String?

  @Flag(help: "Print JSON: {\"engines\": [...], \"values\": [...], \"tasks\": [...]}.")
  var json = false

  @Flag(help: "Submit, print the task ids and return (see `mpiparallel result`).")
  var noWait = false

  @Argument(help: "The remote function's name.")
  var function: String

  @Argument(parsing: .allUnrecognized, help: "Its arguments, each a JSON text.")
  var arguments: [String] = []

  func run() throws {
    // `--` ends the options; what follows is arguments even when it starts with a dash.
    let texts = arguments.first == "--" ? Array(arguments.dropFirst()) : arguments
    let values = try texts.enumerated().map { index, text in
      try JSONArguments.parse(text, what: "argument \(index + 1)")
    }
    let client = try connection.connect()
    defer { client.close() }
    let engines = try targets.engines(of: client)
    let result = client.directView(targets: engines).apply(function, arguments: values, as: JSONValue.self)
    if noWait {
      if result.taskIDs.isEmpty { _ = try result.get() }
      try Output.submitted("apply(\(function))", tasks: result.taskIDs, json: json)
      return
    }
    let outcomes = try result.get()
    let fallback = engines ?? client.ids
    if let output {
      try write(outcomes, to: output)
    } else if json {
      try Output.json(
        Output.perEngineJSON(outcomes, engines: result.engineIDs, fallback: fallback, tasks: result.taskIDs))
    } else {
      Output.perEngine(outcomes, engines: result.engineIDs, fallback: fallback)
    }
  }

  /// Strings as they are, other values as JSON lines, in engine order.
  func write(_ values: [JSONValue], to path: String) throws {
    var data = Data()
    for value in values {
      if let text = value.stringValue {
        data.append(contentsOf: Array(text.utf8))
      } else {
        data.append(contentsOf: Array((value.description + "\n").utf8))
      }
    }
    do {
      try data.write(to: URL(fileURLWithPath: path))
    } catch {
      throw CLIError("cannot write \(path): \(error.localizedDescription)")
    }
    print("wrote \(path): \(values.count) results, \(data.count) bytes")
  }
}
