// What the journal subcommands (`timeline`, `history`) share: option parsing,
// opening a journal that must already exist, choosing a run, one-line errors.
import Foundation
import MPIParallel

enum JournalCommand {
  /// A one-line error and the exit status that goes with it.
  struct Failure: Error {
    var message: String
    var status: Int32 = 1
  }

  /// Runs `body` as subcommand `name`; errors become one line on standard error.
  static func main(_ name: String, usage: String, _ arguments: [String], _ body: ([String]) throws -> Void)
    -> Int32
  {
    do {
      if arguments.contains(where: { ["--help", "-h", "help"].contains($0) }) {
        print(usage)
        return 0
      }
      try body(arguments)
      return 0
    } catch let failure as Failure {
      FileHandle.standardError.write(Data("mpiparallel \(name): \(failure.message)\n".utf8))
      return failure.status
    } catch {
      FileHandle.standardError.write(Data("mpiparallel \(name): \(error)\n".utf8))
      return 1
    }
  }

  /// `--name value` or `--name=value` pairs among `allowed`; `flags` take no value.
  static func options(
    _ arguments: [String], allowed: Set<String>, flags: Set<String> = [], command: String
  ) throws -> [String: String] {
    var options: [String: String] = [:]
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      let name = String(argument.prefix { $0 != "=" })
      if flags.contains(name) {
        options[name] = ""
        continue
      }
      guard allowed.contains(name) else {
        throw Failure(
          message: "unknown argument '\(argument)' (see mpiparallel \(command) --help)", status: 2)
      }
      var value: String?
      if name.count < argument.count {
        value = String(argument.dropFirst(name.count + 1))
      } else if index < arguments.count {
        value = arguments[index]
        index += 1
      }
      guard let value, !value.isEmpty else {
        throw Failure(message: "\(name) needs a value (see mpiparallel \(command) --help)", status: 2)
      }
      options[name] = value
    }
    return options
  }

  /// A positive number from option `name`, if given.
  static func number(_ options: [String: String], _ name: String) throws -> Int? {
    guard let text = options[name] else { return nil }
    guard let value = Int(text), value > 0 else {
      throw Failure(message: "\(name) needs a positive number, not '\(text)'", status: 2)
    }
    return value
  }

  /// Opens a journal that exists and has something in it (opening an empty
  /// file would turn it into a journal).
  static func open(_ path: String?, command: String) throws -> Journal {
    guard let path else {
      throw Failure(message: "--journal FILE is required (see mpiparallel \(command) --help)", status: 2)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw Failure(message: "no journal file at \(path)")
    }
    guard !isDirectory.boolValue else { throw Failure(message: "\(path) is a directory, not a journal file") }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    guard size != 0 else { throw Failure(message: "journal \(path) is empty (no runs recorded)") }
    return try Journal(path: path)
  }

  /// The run `wanted`, or the latest; a clear error when there is none.
  static func run(_ wanted: Int?, in journal: Journal) throws -> (
    run: Int, runs: [(run: Int, started: Date, ended: Date?, how: RunEnd?)]
  ) {
    let runs = try journal.runs().sorted { $0.run < $1.run }
    let numbers = runs.map { String($0.run) }.joined(separator: ", ")
    if let wanted {
      guard runs.contains(where: { $0.run == wanted }) else {
        throw Failure(
          message: runs.isEmpty
            ? "journal \(journal.path) has no runs recorded"
            : "journal \(journal.path) has no run \(wanted) (runs: \(numbers))")
      }
      return (wanted, runs)
    }
    guard let latest = runs.last?.run else {
      throw Failure(message: "journal \(journal.path) has no runs recorded")
    }
    return (latest, runs)
  }
}
