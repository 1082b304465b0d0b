// `mpiparallel result TASK_ID`: the hub's record of one task, with its values
// or errors once the job a steering client submitted it in has finished.
import ArgumentParser
import MPIParallelSteering

struct ResultCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "result",
    abstract: "One task: its state, the engine it ran on, and its values or errors.",
    discussion: """
      Values are there for tasks that a steering client submitted (apply, map, ...) once \
      everything submitted with them has finished; `apply`/`map --no-wait` print task ids.
      """)

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  @Argument(help: "The hub's task id.")
  var task: Int

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let info = try client.task(task)
    var values: [JSONValue] = []
    var errors: [RemoteFailure] = []
    for item in info.items ?? [] {
      switch item {
      case .value(let value): values.append(value)
      case .failure(let failure): errors.append(failure)
      }
    }
    if output.json {
      try Output.json(
        JSONValue.object([
          "id": .int(info.id), "function": .string(info.function), "state": .string(info.state),
          "engine": info.engine.map(JSONValue.int) ?? .null, "available": .bool(info.items != nil),
          "values": .array(values), "errors": .array(errors.map { .string($0.description) }),
        ]))
      return
    }
    print(
      "task \(info.id): \(info.function), \(info.state)" + (info.engine.map { ", engine \($0)" } ?? ""))
    guard info.items != nil else {
      print("values: not available (not submitted by a steering client, or its job has not finished)")
      return
    }
    for value in values { print("value: \(value.description)") }
    for error in errors { print("error: \(error.description)") }
  }
}
