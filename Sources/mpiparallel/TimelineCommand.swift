// `mpiparallel timeline`: the per-engine timeline of one run recorded in a
// journal, as an SVG Gantt chart and/or Chrome trace-event JSON (Perfetto).
import Foundation
import MPIParallel

enum TimelineCommand {
  static let usage = """
    usage: mpiparallel timeline --journal FILE [--svg OUT.svg] [--trace OUT.json] [--run N]
      --journal FILE   the journal a program wrote (--journal FILE when it ran)
      --svg OUT.svg    write the timeline as an SVG Gantt chart (one row per engine)
      --trace OUT.json write it as Chrome trace-event JSON (open in ui.perfetto.dev)
      --run N          the run to show (default: the latest)
    Without --svg or --trace it prints a summary of the run.
    """

  typealias Failure = JournalCommand.Failure

  /// Runs the subcommand with the arguments after `timeline`; the exit status.
  static func main(_ arguments: [String]) -> Int32 {
    JournalCommand.main("timeline", usage: usage, arguments) { arguments in
      let options = try JournalCommand.options(
        arguments, allowed: ["--journal", "--svg", "--trace", "--run"], command: "timeline")
      try run(
        journal: options["--journal"], svg: options["--svg"], trace: options["--trace"],
        run: JournalCommand.number(options, "--run"))
    }
  }

  static func run(journal path: String?, svg: String?, trace: String?, run wanted: Int?) throws {
    let journal = try JournalCommand.open(path, command: "timeline")
    defer { try? journal.close() }
    let path = journal.path
    let (run, runs) = try JournalCommand.run(wanted, in: journal)
    let numbers = runs.map { String($0.run) }.joined(separator: ", ")

    let records = try journal.records(run: run)
    guard !records.isEmpty else {
      throw Failure(
        message: "journal \(path) has no task records for run \(run) (runs: \(numbers))")
    }
    let entries = records.compactMap { record -> TimelineEntry? in
      guard let engineID = record.engineID, let started = record.started,
        let completed = record.completed
      else {
        return nil
      }
      return TimelineEntry(
        taskID: record.taskID, function: record.function, engineID: engineID, start: started,
        end: completed)
    }
    guard !entries.isEmpty else {
      throw Failure(
        message:
          "run \(run) of journal \(path) has \(records.count) records but none ran on an engine (all aborted?)"
      )
    }

    let name = URL(fileURLWithPath: path).lastPathComponent
    var title = "\(name), run \(run)"
    if let started = runs.first(where: { $0.run == run })?.started {
      let formatter = DateFormatter()
      formatter.locale = Locale(identifier: "en_US_POSIX")
      formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
      title += " (\(formatter.string(from: started)))"
    }
    let timeline = Timeline(entries: entries, title: title)
    if let svg { try write { try timeline.writeSVG(to: svg) } }
    if let trace { try write { try timeline.writeChromeTrace(to: trace) } }

    var summary =
      "run \(run): \(entries.count) tasks on \(timeline.engineIDs.count) engines over "
      + String(format: "%.3f s", timeline.span)
    if records.count > entries.count { summary += " (\(records.count - entries.count) never ran)" }
    let written = [svg, trace].compactMap { $0 }
    if !written.isEmpty { summary += "; wrote " + written.joined(separator: " and ") }
    print(summary)
  }

  /// Turns a write error into a one-line failure naming the path.
  private static func write(_ body: () throws -> Void) throws {
    do { try body() } catch let error as TimelineError { throw Failure(message: error.description) }
  }
}
