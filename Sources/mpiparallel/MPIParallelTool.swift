// The `mpiparallel` command and its subcommands (swift-argument-parser), and
// how errors end the process: one line on standard error starting with
// `mpiparallel: `, status 1; usage errors with the usage after it, status 2.
import ArgumentParser
import Foundation
import MPIParallelSteering

struct MPIParallelTool: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mpiparallel",
    abstract: "Start, steer and stop MPIParallel jobs; read their journals.",
    discussion: """
      A job started with `mpiparallel start` (or any MPIParallel program run with --serve) \
      serves its hub over TCP; the steering commands find it through a connection file, \
      <base>/profile_NAME/client.json (base: $MPIPARALLEL_HOME, else ~/.mpiparallel), \
      chosen with --profile NAME (default: default) or given with --connection-file PATH. \
      Each prints a table, or JSON with --json.

      Under MPI, `mpirun -np N mpiparallel engines` starts the runtime itself and lists \
      its N-1 engines: a quick check that a machine or an allocation works.
      """,
    groupedSubcommands: [
      CommandGroup(
        name: "Jobs",
        subcommands: [StartCommand.self, StopCommand.self, ListCommand.self]),
      CommandGroup(
        name: "Steering",
        subcommands: [
          EnginesCommand.self, FunctionsCommand.self, ApplyCommand.self, MapCommand.self,
          PushCommand.self, PullCommand.self, ScatterCommand.self, GatherCommand.self,
          StatusCommand.self, ResultCommand.self, AbortCommand.self,
        ]),
      CommandGroup(
        name: "Journals", subcommands: [TimelineSubcommand.self, HistorySubcommand.self]),
    ])

  func run() async throws {
    throw ValidationError("no command given")
  }

  /// Parses `arguments` (without the program's name), runs the command, and
  /// returns the exit status; errors are printed here.
  static func main(arguments: [String]) async -> Int32 {
    do {
      var command = try parseAsRoot(arguments)
      if var asynchronous = command as? AsyncParsableCommand {
        try await asynchronous.run()
      } else {
        try command.run()
      }
      return 0
    } catch let failure as CLIError {
      CLIError.printLine(failure.message)
      return failure.status
    } catch let error as SteeringError {
      CLIError.printLine(error.description)
      return 1
    } catch let code as ExitCode {
      return code.rawValue
    } catch {
      let code = exitCode(for: error)
      var text = fullMessage(for: error)
      if code == .success {
        print(text)
        return 0
      }
      if text.hasPrefix("Error: ") { text.removeFirst("Error: ".count) }
      CLIError.printLine(text)
      return code == .validationFailure ? 2 : code.rawValue
    }
  }
}

/// A failure of a command: one line (occasionally with detail lines after it)
/// and the exit status.
struct CLIError: Error, CustomStringConvertible {
  var message: String
  var status: Int32 = 1

  init(_ message: String, status: Int32 = 1) {
    self.message = message
    self.status = status
  }

  var description: String { message }

  /// Writes `mpiparallel: TEXT` to standard error.
  static func printLine(_ text: String) {
    var line = "mpiparallel: " + text
    if !line.hasSuffix("\n") { line += "\n" }
    FileHandle.standardError.write(Data(line.utf8))
  }
}
