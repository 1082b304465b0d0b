// `mpiparallel map FUNC --items JSON_ARRAY`: a load-balanced map. For a
// function of one argument each item is the argument; for more, each item is
// a JSON array of one call's arguments.
import ArgumentParser
import Foundation
import MPIParallelSteering

struct MapCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "map",
    abstract: "Run a function over items on whichever engines are free; print the values in order.",
    discussion: """
      --items is a JSON array: for a function of one argument each item is the argument \
      (square: '[1,2,3]'; sumArray: '[[1,2],[3]]'); for several, each item is an array of \
      one call's arguments (area: '[[2,3],[4,5]]'). With a terminal on standard error a \
      progress bar shows the tasks done.
      """)

  @OptionGroup var connection: ConnectionOptions

  @Option(help: ArgumentHelp("The items, a JSON array.", valueName: "json-array"))
  var items: String

  @Option(name: .customLong("chunksize"), help: "Items per task.")
  var chunkSize = 1

  @Flag(help: "Values in the order they finish rather than the items' order.")
  var unordered = false

  @Option(help: Targets.help, transform: { try Targets.parse($0) })
  var targets: Targets?

  @Flag(help: "Print one JSON array of the values.")
  var json = false

  @Flag(help: "Submit, print the task ids and return (see `mpiparallel result`).")
  var noWait = false

  @Argument(help: "The remote function's name.")
  var function: String

  func validate() throws {
    if chunkSize < 1 { throw ValidationError("--chunksize must be at least 1, not \(chunkSize)") }
  }

  func run() throws {
    guard case .array(let list) = try JSONArguments.parse(items, what: "--items") else {
      throw CLIError("--items must be a JSON array, like '[1,2,3]', not \(items)")
    }
    let client = try connection.connect()
    defer { client.close() }
    let calls = try self.calls(list, signature: client.job.functions.first { $0.name == function })
    let result = client.loadBalancedView(targets: try targets.engines(of: client)).map(
      function, arguments: calls, chunkSize: chunkSize, ordered: !unordered, as: JSONValue.self)
    if noWait {
      if result.taskIDs.isEmpty { _ = try result.get() }
      try Output.submitted("map(\(function))", tasks: result.taskIDs, json: json)
      return
    }
    if isatty(STDERR_FILENO) != 0 { try ProgressBar.follow(result, label: function) }
    let values = try result.get()
    if json {
      try Output.json(values)
    } else {
      for value in values { print(value.description) }
    }
  }

  /// Each item as an array of one call's arguments. An unknown function's
  /// items go as single arguments: the hub answers that it has no such function.
  func calls(_ list: [JSONValue], signature: FunctionInfo?) throws -> [JSONValue] {
    guard let signature else { return list.map { .array([$0]) } }
    let types = signature.argumentTypes
    switch types.count {
    case 0:
      throw CLIError(
        "\(function) takes no arguments, so there is nothing to map over; run it with `mpiparallel apply \(function)`"
      )
    case 1:
      return list.map { .array([$0]) }
    default:
      for (index, item) in list.enumerated() {
        guard case .array(let arguments) = item, arguments.count == types.count else {
          throw CLIError(
            "item \(index) of --items is \(item.description), but \(signature.signature) takes \(types.count) "
              + "arguments: each item must be a JSON array of \(types.count) values, one call's arguments")
        }
      }
      return list
    }
  }
}

/// A one-line bar on standard error, redrawn as tasks finish.
enum ProgressBar {
  static func follow(_ result: AsyncMapResult<JSONValue>, label: String) throws {
    var drawn = false
    defer { if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
    while true {
      let (done, total) = try result.progress()
      guard total > 0 else { return }
      let width = 30
      let filled = done * width / total
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) tasks".utf8))
      drawn = true
      if done >= total { return }
      usleep(200_000)
    }
  }
}
