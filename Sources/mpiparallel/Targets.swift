// `--targets`: which engines a view covers. `all`, a comma list of ids
// (`0,2`), or half-open ranges like Python slices (`1:3` is engines 1 and 2;
// `2:` from 2 on, `:2` below 2); lists and ranges mix (`0,4:6`).
import ArgumentParser
import Foundation
import MPIParallelSteering

struct Targets: Sendable, Equatable, CustomStringConvertible {
  enum Part: Sendable, Equatable {
    case engine(Int)
    /// Half-open; a missing end is the last engine + 1, a missing start 0.
    case range(Int?, Int?)
  }

  /// nil: every engine.
  let parts: [Part]?
  let description: String

  static let help = ArgumentHelp(
    "The engines: all, a list of ids (0,2), or a half-open range (1:3 is engines 1 and 2).",
    valueName: "engines")

  /// Parses the grammar; the error says what is accepted.
  static func parse(_ text: String) throws -> Targets {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed == "all" || trimmed == ":" { return Targets(parts: nil, description: "all") }
    var parts: [Part] = []
    for piece in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
      let item = piece.trimmingCharacters(in: .whitespaces)
      if let id = Int(item), id >= 0 {
        parts.append(.engine(id))
        continue
      }
      let ends = item.split(separator: ":", omittingEmptySubsequences: false)
      guard ends.count == 2 else {
        throw TargetsError(text: text, problem: "'\(item)' is not an engine id or a range")
      }
      let start = ends[0].isEmpty ? nil : Int(ends[0])
      let end = ends[1].isEmpty ? nil : Int(ends[1])
      guard ends[0].isEmpty || (start ?? -1) >= 0, ends[1].isEmpty || (end ?? -1) >= 0 else {
        throw TargetsError(text: text, problem: "'\(item)' is not a range of engine ids like 1:3")
      }
      if let start, let end, start >= end {
        throw TargetsError(text: text, problem: "the range \(item) is empty (1:3 means engines 1 and 2)")
      }
      parts.append(.range(start, end))
    }
    return Targets(parts: parts, description: trimmed)
  }

  /// The engine ids for a job of `count` engines (nil: all); an error names a missing engine.
  func engines(count: Int) throws -> [Int]? {
    guard let parts else { return nil }
    var ids: [Int] = []
    for part in parts {
      switch part {
      case .engine(let id): ids.append(id)
      case .range(let start, let end):
        let range = (start ?? 0)..<(end ?? count)
        guard !range.isEmpty else {
          throw CLIError(
            "--targets \(description): no engines in \(start.map(String.init) ?? ""):\(end.map(String.init) ?? "") of \(Self.describe(count))"
          )
        }
        ids += Array(range)
      }
    }
    if let bad = ids.first(where: { $0 >= count }) {
      throw CLIError(
        "--targets \(description): there is no engine \(bad); the job has \(Self.describe(count))")
    }
    var seen = Set<Int>()
    if let twice = ids.first(where: { !seen.insert($0).inserted }) {
      throw CLIError("--targets \(description): engine \(twice) is named twice")
    }
    return ids
  }

  /// The engine ids for the job `client` is connected to.
  func engines(of client: Client) throws -> [Int]? { try engines(count: client.job.engines.count) }

  static func describe(_ count: Int) -> String {
    count == 1 ? "1 engine (0)" : "\(count) engines (0-\(count - 1))"
  }
}

/// A `--targets` value that does not parse.
struct TargetsError: Error, CustomStringConvertible {
  let text: String
  let problem: String
  var description: String { "\(problem); use all, a list of ids (0,2) or a half-open range (1:3)" }
}

extension Optional where Wrapped == Targets {
  /// The engine ids (nil: all engines).
  func engines(of client: Client) throws -> [Int]? { try self?.engines(of: client) ?? nil }
}
