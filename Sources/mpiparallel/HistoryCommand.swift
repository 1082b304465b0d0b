// `mpiparallel history`: the tasks a journal recorded (IPython's hub history
// and get_result), filtered by run, state, function or task id; and purging
// old records.
import Foundation
import MPIParallel

enum HistoryCommand {
  static let usage = """
    usage: mpiparallel history --journal FILE [--run N | --all] [--state STATE] [--function NAME]
                               [--task ID] [--limit N] [--json]
           mpiparallel history --journal FILE --purge-before YYYY-MM-DD[THH:MM:SS]
      --journal FILE   the journal a program wrote (--journal FILE when it ran)
      --run N          the run to list (default: the latest); --all for every run
      --state STATE    succeeded, failed or aborted
      --function NAME  only this function's tasks
      --task ID        one task: its record and result size
      --limit N        at most N records
      --json           one JSON object per record
      --purge-before   delete records of tasks that completed before this date (UTC)
    """

  static func main(_ arguments: [String]) -> Int32 {
    JournalCommand.main("history", usage: usage, arguments) { arguments in
      let options = try JournalCommand.options(
        arguments,
        allowed: ["--journal", "--run", "--state", "--function", "--task", "--limit", "--purge-before"],
        flags: ["--all", "--json"], command: "history")
      let journal = try JournalCommand.open(options["--journal"], command: "history")
      defer { try? journal.close() }
      if let text = options["--purge-before"] {
        guard let date = parseDate(text) else {
          throw JournalCommand.Failure(
            message: "--purge-before needs a date like 2026-11-21 or 2026-11-21T09:30:00", status: 2)
        }
        print("purged \(try journal.purge(before: date)) records completed before \(text)")
        return
      }
      var state: TaskState?
      if let text = options["--state"] {
        guard let parsed = TaskState(rawValue: text), [.succeeded, .failed, .aborted].contains(parsed) else {
          throw JournalCommand.Failure(
            message: "--state is succeeded, failed or aborted, not '\(text)'", status: 2)
        }
        state = parsed
      }
      let run =
        options["--all"] != nil
        ? nil : try JournalCommand.run(JournalCommand.number(options, "--run"), in: journal).run
      var records: [JournalRecord]
      if let task = try JournalCommand.number(options, "--task") {
        guard let record = try journal.record(taskID: task, run: run) else {
          throw JournalCommand.Failure(
            message: "no task \(task) in \(run.map { "run \($0) of " } ?? "")\(journal.path)")
        }
        records = [record]
      } else {
        records = try journal.records(
          state: state, function: options["--function"], run: run,
          limit: JournalCommand.number(options, "--limit"))
      }
      if options["--json"] != nil {
        for record in records { print(json(record)) }
        return
      }
      print("run  task  function              engine  state      elapsed   error")
      for record in records {
        let elapsed =
          zip([record.started], [record.completed]).compactMap { start, end in
            start.flatMap { s in end.map { String(format: "%.4f s", $0.timeIntervalSince(s)) } }
          }.first ?? "-"
        let function = record.function.padding(toLength: 20, withPad: " ", startingAt: 0)
        print(
          String(format: "%-4d %-5d ", record.run, record.taskID) + function + "  "
            + (record.engineID.map(String.init) ?? "-").padding(toLength: 6, withPad: " ", startingAt: 0)
            + "  "
            + record.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0) + "  "
            + elapsed.padding(toLength: 8, withPad: " ", startingAt: 0) + "  " + (record.error ?? ""))
      }
      print("\(records.count) records")
      if options["--task"] == nil {
        for event in try journal.engineEvents(run: run) { print(event) }
      }
    }
  }

  static func parseDate(_ text: String) -> Date? {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"] {
      formatter.dateFormat = format
      if let date = formatter.date(from: text) { return date }
    }
    return nil
  }

  static func json(_ record: JournalRecord) -> String {
    var object: [String: Any] = [
      "run": record.run, "task": record.taskID, "function": record.function, "state": record.state.rawValue,
      "submitted": record.submitted.timeIntervalSince1970,
    ]
    object["engine"] = record.engineID
    object["key"] = record.key?.hex
    object["started"] = record.started?.timeIntervalSince1970
    object["completed"] = record.completed?.timeIntervalSince1970
    object["error"] = record.error
    object["result_bytes"] = record.result?.count
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }
}
