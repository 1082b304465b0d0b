// `mpiparallel engines retire ID...`: engines of the served job get no new
// work, finish what they hold and leave.
import ArgumentParser
import MPIParallelSteering

struct EnginesRetireCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "retire",
    abstract: "Retire engines: they get no new work, finish what they hold and leave.",
    discussion: """
      Their ids are not reused; `mpiparallel engines` shows them retiring, then retired. \
      Engines already retiring, retired or lost are left as they are. The hub refuses an id that \
      is no engine of the job, and retiring every engine still up (a served job keeps \
      one; `mpiparallel stop` ends it).
      """)

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var output: JSONFlag

  // Taken as text, so that a negative id reaches the hub's check rather than
  // reading as an unknown option.
  @Argument(parsing: .allUnrecognized, help: ArgumentHelp("The engine ids.", valueName: "id"))
  var texts: [String] = []

  /// The ids given (`--` dropped: what follows it is ids even when it starts with a dash).
  var ids: [Int] { texts.filter { $0 != "--" }.compactMap { Int($0) } }

  func validate() throws {
    let given = texts.filter { $0 != "--" }
    if given.isEmpty { throw ValidationError("give one or more engine ids") }
    if let bad = given.first(where: { Int($0) == nil }) {
      if bad.hasPrefix("--") { throw ValidationError("unknown option '\(bad)'") }
      throw ValidationError("'\(bad)' is not an engine id (engine ids are whole numbers: 0, 1, ...)")
    }
  }

  func run() throws {
    let client = try connection.connect()
    defer { client.close() }
    let requested = ids
    let retiring = try client.retire(requested)
    var others: [Int] = []
    for id in requested where !retiring.contains(id) && !others.contains(id) { others.append(id) }
    if output.json {
      try Output.json(["retiring": retiring, "notRetiring": others])
      return
    }
    let list = { (ids: [Int]) in ids.map(String.init).joined(separator: ", ") }
    let engines = { (ids: [Int]) in (ids.count == 1 ? "engine " : "engines ") + list(ids) }
    if !retiring.isEmpty { print("retiring \(engines(retiring))") }
    if !others.isEmpty {
      let how = others.count == 1 ? "was" : "were"
      print(
        retiring.isEmpty
          ? "nothing to retire: \(engines(others)) \(how) already retiring, retired or lost"
          : "not retiring \(engines(others)): already retiring, retired or lost")
    }
  }
}
