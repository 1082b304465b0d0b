// `mpiparallel engines add N`: the served job starts N more engines.
import ArgumentParser
import MPIParallelSteering

struct EnginesAddCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Start more engines in the served job; they take work at once.",
    discussion: """
      The job must run under mpirun --enable-recovery (mpiparallel start passes it) and the launcher \
      must have room: started with --oversubscribe, or with a hostfile that leaves free slots. The new \
      engines get the next ids.
      """)

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  @Argument(help: "How many engines to start (1 to 1024).")
  var count: Int

  func validate() throws {
    guard (1...1024).contains(count) else { throw ValidationError("the count is from 1 to 1024, not \(count)") }
  }

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let added = try client.addEngines(count)
    if output.json {
      try Output.json(["added": added])
      return
    }
    print("added " + (added.count == 1 ? "engine " : "engines ") + added.map(String.init).joined(separator: ", "))
  }
}
