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

  /// A one-line error and the exit status that goes with it.
  struct Failure: Error {
    var message: String
    var status: Int32 = 1
  }

  struct Options {
    var journal: String?
    var svg: String?
    var trace: String?
    var run: Int?
  }

  /// Runs the subcommand with the arguments after `timeline`; the exit status.
  static func main(_ arguments: [String]) -> Int32 {
    do {
      if arguments.contains(where: { ["--help", "-h", "help"].contains($0) }) {
        print(usage)
        return 0
      }
      try run(parse(arguments))
      return 0
    } catch let failure as Failure {
      FileHandle.standardError.write(Data("mpiparallel timeline: \(failure.message)\n".utf8))
      return failure.status
    } catch {
      FileHandle.standardError.write(Data("mpiparallel timeline: \(error)\n".utf8))
      return 1
    }
  }

  static func parse(_ arguments: [String]) throws -> Options {
    var options = Options()
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      let name = argument.prefix { $0 != "=" }
      var value: String?
      if name.count < argument.count {
        value = String(argument.dropFirst(name.count + 1))
      } else if index < arguments.count {
        value = arguments[index]
        index += 1
      }
      guard ["--journal", "--svg", "--trace", "--run"].contains(name) else {
        throw Failure(message: "unknown argument '\(argument)' (see mpiparallel timeline --help)", status: 2)
      }
      guard let value, !value.isEmpty else {
        throw Failure(message: "\(name) needs a value (see mpiparallel timeline --help)", status: 2)
      }
      switch name {
      case "--journal": options.journal = value
      case "--svg": options.svg = value
      case "--trace": options.trace = value
      default:
        guard let run = Int(value), run > 0 else {
          throw Failure(message: "--run needs a run number (1, 2, ...), not '\(value)'", status: 2)
        }
        options.run = run
      }
    }
    guard options.journal != nil else {
      throw Failure(message: "--journal FILE is required (see mpiparallel timeline --help)", status: 2)
    }
    return options
  }

  static func run(_ options: Options) throws {
    let path = options.journal!
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw Failure(message: "no journal file at \(path)")
    }
    guard !isDirectory.boolValue else {
      throw Failure(message: "\(path) is a directory, not a journal file")
    }

    // An empty file would become a journal on opening; there is nothing to show.
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    guard size != 0 else { throw Failure(message: "journal \(path) is empty (no runs recorded)") }
    let journal = try Journal(path: path)
    defer { try? journal.close() }
    let runs = try journal.runs().sorted { $0.run < $1.run }
    let numbers = runs.map { String($0.run) }.joined(separator: ", ")
    let run: Int
    if let wanted = options.run {
      guard runs.contains(where: { $0.run == wanted }) else {
        throw Failure(
          message: runs.isEmpty
            ? "journal \(path) has no runs recorded"
            : "journal \(path) has no run \(wanted) (runs: \(numbers))")
      }
      run = wanted
    } else {
      guard let latest = runs.last?.run else {
        throw Failure(message: "journal \(path) has no runs recorded")
      }
      run = latest
    }

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
    if let svg = options.svg { try write { try timeline.writeSVG(to: svg) } }
    if let trace = options.trace { try write { try timeline.writeChromeTrace(to: trace) } }

    var summary =
      "run \(run): \(entries.count) tasks on \(timeline.engineIDs.count) engines over "
      + String(format: "%.3f s", timeline.span)
    if records.count > entries.count { summary += " (\(records.count - entries.count) never ran)" }
    let written = [options.svg, options.trace].compactMap { $0 }
    if !written.isEmpty { summary += "; wrote " + written.joined(separator: " and ") }
    print(summary)
  }

  /// Turns a write error into a one-line failure naming the path.
  private static func write(_ body: () throws -> Void) throws {
    do { try body() } catch let error as TimelineError { throw Failure(message: error.description) }
  }
}
