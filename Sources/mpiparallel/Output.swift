// How the steering commands print: aligned tables for people, JSON with
// sorted keys for programs.
import Foundation
import MPIParallelSteering

enum Output {
  /// Prints rows under a header, each column as wide as its widest cell (the last one unpadded).
  static func table(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in
      all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    for row in all {
      let cells = row.enumerated().map { column, cell in
        column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }
      print(cells.joined(separator: "  "))
    }
  }

  /// Prints any encodable value as one line of JSON, keys sorted.
  static func json<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
  }

  /// Prints the engines as `mpiparallel engines` does.
  static func engines(_ engines: [EngineStatus]) {
    table(
      ["id", "rank", "host", "pid", "tasks", "state"],
      engines.map {
        [String($0.id), String($0.rank), $0.host, String($0.pid), String($0.tasksDone), $0.state]
      })
    for engine in engines { if let note = engine.note { print("engine \(engine.id) \(engine.state) \(note)") } }
  }

  /// `engine 0: 21` per value, with the engine each ran on (`fallback` where the hub did not say).
  static func perEngine(_ values: [JSONValue], engines: [Int?], fallback: [Int]) {
    for (index, value) in values.enumerated() {
      let engine = (engines.indices.contains(index) ? engines[index] : nil) ?? fallback.dropFirst(index).first
      print("engine \(engine.map(String.init) ?? "?"): \(value.description)")
    }
  }

  /// The JSON object of a result with one value per engine.
  static func perEngineJSON(_ values: [JSONValue], engines: [Int?], fallback: [Int], tasks: [Int])
    -> JSONValue
  {
    let ids = values.indices.map { index in
      (engines.indices.contains(index) ? engines[index] : nil) ?? fallback.dropFirst(index).first
    }
    return .object([
      "engines": .array(ids.map { $0.map(JSONValue.int) ?? .null }), "values": .array(values),
      "tasks": .array(tasks.map(JSONValue.int)),
    ])
  }

  /// What `--no-wait` prints: the hub's task ids of a submission.
  static func submitted(_ label: String, tasks: [Int], json: Bool) throws {
    if json {
      try Output.json(JSONValue.object(["tasks": .array(tasks.map(JSONValue.int))]))
    } else {
      print(
        "submitted \(label): tasks \(tasks.map(String.init).joined(separator: " ")) "
          + "(see `mpiparallel result ID`, `mpiparallel abort ID`)")
    }
  }

  /// The last `count` lines of a file, for errors about a job that failed.
  static func tail(of path: String, lines count: Int = 20) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      return "(\(path) cannot be read)"
    }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(count + 1)
    return lines.joined(separator: "\n").trimmingCharacters(in: .newlines)
  }
}

/// JSON texts from the command line, with an error that says how to quote a string.
enum JSONArguments {
  static func parse(_ text: String, what: String) throws -> JSONValue {
    do {
      return try JSONValue(parsing: text)
    } catch {
      if text.hasPrefix("--") {
        throw CLIError("unknown option '\(text)' (arguments are JSON texts; see --help)", status: 2)
      }
      var message = "\(what) is not JSON: \(text)"
      if !text.isEmpty, !"[{\"".contains(text.first!), Double(text) == nil {
        message += "; write a string as JSON, in the shell's quotes: '\"\(text)\"'"
      } else if case SteeringError.badJSON(_, let reason) = error {
        message += " (\(reason))"
      }
      throw CLIError(message)
    }
  }
}
