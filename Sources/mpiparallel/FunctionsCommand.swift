// `mpiparallel functions`: the remote functions the served job registered.
import ArgumentParser
import MPIParallelSteering

struct FunctionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "functions",
    abstract: "The remote functions: name, argument types, result type, and whether collective.",
    discussion: "A collective function runs on every engine at once only (apply without --targets).")

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let functions = try client.functions()
    if output.json {
      try Output.json(functions)
    } else {
      Output.table(
        ["name", "arguments", "result", "runs on"],
        functions.map {
          [
            $0.name, "(" + $0.argumentTypes.joined(separator: ", ") + ")", $0.resultType,
            $0.collective ? "all engines at once" : "any",
          ]
        })
    }
  }
}
