// `mpiparallel timeline` and `mpiparallel history` as subcommands: they keep
// their own parsing (TimelineCommand, HistoryCommand) and get every argument
// after their name unchanged, `--help` included.
import ArgumentParser
import Foundation

struct TimelineSubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "timeline",
    abstract: "A journaled run's per-engine timeline (SVG Gantt chart, Chrome trace JSON).",
    discussion: TimelineCommand.usage)

  @Argument(
    parsing: .captureForPassthrough, help: "--journal FILE [--svg OUT.svg] [--trace OUT.json] [--run N]")
  var arguments: [String] = []

  func run() throws {
    let status = TimelineCommand.main(arguments)
    if status != 0 { throw ExitCode(status) }
  }
}

struct HistorySubcommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract: "The tasks a journal recorded; --purge-before DATE deletes old ones.",
    discussion: HistoryCommand.usage)

  @Argument(parsing: .captureForPassthrough, help: "--journal FILE [--run N|--all] [--state S] [--json] ...")
  var arguments: [String] = []

  func run() throws {
    let status = HistoryCommand.main(arguments)
    if status != 0 { throw ExitCode(status) }
  }
}
