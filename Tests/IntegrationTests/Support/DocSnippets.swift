import Foundation

/// One fenced code block whose info string is exactly `swift`, taken from a markdown file.
struct DocSnippet {
  /// How the block is compiled (see `DocSnippet.classify`).
  enum Kind: String {
    /// Statements: compiled as the body of a function of its own, beside the prelude.
    case fragment
    /// Only declarations (`let`, `func`, types), no `try` or `await` at the top: its names are
    /// visible to the other blocks of the same file (and to its later `@main` blocks).
    case declarations
    /// Holds `@main`: a program of its own, compiled in library mode with the declarations blocks
    /// that come before it in the same file.
    case program
    /// Declares what only a file's top level may hold (`extension`, `protocol`, operators):
    /// compiled as a main.swift with the prelude and the file's earlier declarations blocks.
    case topLevel
    /// Imports MPIParallelSteering: top-level code compiled against that module alone (its own
    /// `Client` would clash with MPIParallel's).
    case steering
    /// A Package.swift, or part of one (the arguments of `Package(...)`), compiled against
    /// PackageDescription.
    case manifest
  }

  /// The markdown file as given to the extractor (absolute).
  let path: String
  /// The file as the failure messages and `#sourceLocation` name it (relative to the package root
  /// where it lies in the package).
  let displayPath: String
  /// 1-based line of the opening fence.
  let fenceLine: Int
  /// The block's text, without the fences, one element per markdown line.
  let lines: [String]
  /// False when the file ended before the closing fence.
  let closed: Bool
  let kind: Kind

  /// 1-based markdown line of the block's first line of code.
  var firstLine: Int { fenceLine + 1 }
  /// 1-based markdown line of the block's last line of code.
  var lastLine: Int { fenceLine + max(lines.count, 1) }
  var code: String { lines.joined(separator: "\n") }
  /// `file:line` of the opening fence, as failure messages name a block.
  var location: String { "\(displayPath):\(fenceLine)" }
}

/// A problem found in a block without compiling it (a `...` placeholder, a missing closing fence).
struct DocSnippetProblem {
  let snippet: DocSnippet
  /// 1-based markdown line of the problem.
  let line: Int
  let message: String
}

// MARK: - Extraction

enum DocSnippetExtractor {
  /// Every ```swift block of a markdown file, in order. Fences follow CommonMark: three or more
  /// backticks or tildes, indented or not; the closing fence uses the same character, at least as
  /// many, and nothing else. Blocks of other languages (`sh`, `console`, `swift title=...`) are
  /// skipped, but their contents never open or close a block.
  static func snippets(inFile path: String, displayPath: String) throws -> [DocSnippet] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return snippets(inText: text, path: path, displayPath: displayPath)
  }

  static func snippets(inText text: String, path: String, displayPath: String) -> [DocSnippet] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
      $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
    }
    var result: [DocSnippet] = []
    var index = 0
    while index < lines.count {
      guard let fence = openingFence(lines[index]) else {
        index += 1
        continue
      }
      var body: [String] = []
      var closed = false
      var next = index + 1
      while next < lines.count {
        if isClosingFence(lines[next], of: fence) {
          closed = true
          break
        }
        body.append(removeIndent(lines[next], upTo: fence.indent))
        next += 1
      }
      if fence.info == "swift" {
        result.append(
          DocSnippet(
            path: path, displayPath: displayPath, fenceLine: index + 1, lines: body, closed: closed,
            kind: DocSnippet.classify(body)))
      }
      index = next + 1
    }
    return result
  }

  private struct Fence {
    let character: Character
    let length: Int
    let indent: Int
    let info: String
  }

  private static func openingFence(_ line: String) -> Fence? {
    let indent = line.prefix { $0 == " " }.count
    let rest = line.dropFirst(indent)
    guard let first = rest.first, first == "`" || first == "~" else { return nil }
    let length = rest.prefix { $0 == first }.count
    guard length >= 3 else { return nil }
    let info = rest.dropFirst(length).trimmingCharacters(in: .whitespaces)
    // A backtick fence's info string may not hold a backtick (CommonMark).
    if first == "`" && info.contains("`") { return nil }
    return Fence(character: first, length: length, indent: indent, info: info)
  }

  private static func isClosingFence(_ line: String, of fence: Fence) -> Bool {
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    let run = trimmed.prefix { $0 == fence.character }.count
    return run >= fence.length && run == trimmed.count
  }

  /// A fenced block indented by n spaces loses up to n leading spaces from each of its lines.
  private static func removeIndent(_ line: String, upTo indent: Int) -> String {
    String(line.dropFirst(min(indent, line.prefix { $0 == " " }.count)))
  }
}

// MARK: - Reading Swift without a parser

/// What the harness needs to know of a block's Swift: where comments and strings are, the
/// nesting depth of each line, the first word of each top-level statement. A light lexer, not a
/// parser: it only has to sort blocks and find placeholders; the compiler does the rest.
enum SwiftScan {
  /// The source with every comment and the inside of every string literal replaced by spaces
  /// (newlines kept), one element per line, so that words found in it are code.
  static func codeLines(_ lines: [String]) -> [String] {
    let chars = Array(lines.joined(separator: "\n"))
    var out = chars
    func blank(_ i: Int) { if out[i] != "\n" { out[i] = " " } }
    var i = 0
    while i < chars.count {
      let c = chars[i]
      let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
      if c == "/" && next == "/" {
        while i < chars.count && chars[i] != "\n" {
          blank(i)
          i += 1
        }
      } else if c == "/" && next == "*" {
        var depth = 0
        repeat {
          if chars[i] == "/" && i + 1 < chars.count && chars[i + 1] == "*" {
            depth += 1
            blank(i)
            blank(i + 1)
            i += 2
          } else if chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/" {
            depth -= 1
            blank(i)
            blank(i + 1)
            i += 2
          } else {
            blank(i)
            i += 1
          }
        } while depth > 0 && i < chars.count
      } else if c == "\"" || c == "#" {
        i = skipString(chars, from: i, blank: blank)
      } else {
        i += 1
      }
    }
    return String(out).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// Skips a string literal (plain, multi-line, raw) starting at `start`, blanking its contents;
  /// returns the index after it. A `#` that opens no raw string is skipped alone.
  private static func skipString(_ chars: [Character], from start: Int, blank: (Int) -> Void) -> Int {
    var hashes = 0
    var i = start
    while i < chars.count && chars[i] == "#" {
      hashes += 1
      i += 1
    }
    guard i < chars.count && chars[i] == "\"" else { return max(i, start + 1) }
    let multiLine = i + 2 < chars.count && chars[i + 1] == "\"" && chars[i + 2] == "\""
    let quotes = multiLine ? 3 : 1
    i += quotes
    func closes(at k: Int) -> Bool {
      guard k + quotes + hashes <= chars.count else { return false }
      for q in 0..<quotes where chars[k + q] != "\"" { return false }
      for h in 0..<hashes where chars[k + quotes + h] != "#" { return false }
      return true
    }
    while i < chars.count {
      if closes(at: i) { return i + quotes + hashes }
      if !multiLine && chars[i] == "\n" { return i }  // unterminated: stop at the line's end
      if chars[i] == "\\" && hashes == 0 && i + 1 < chars.count && chars[i + 1] == "(" {
        // An interpolation: skip to its closing parenthesis, over any string inside it.
        blank(i)
        i += 1
        var depth = 0
        var inInner = false
        repeat {
          if chars[i] == "\"" { inInner.toggle() }
          if !inInner && chars[i] == "(" { depth += 1 }
          if !inInner && chars[i] == ")" { depth -= 1 }
          blank(i)
          i += 1
        } while depth > 0 && i < chars.count
        continue
      }
      if chars[i] == "\\" && hashes == 0 && i + 1 < chars.count {
        blank(i)
        blank(i + 1)
        i += 2
        continue
      }
      blank(i)
      i += 1
    }
    return i
  }

  /// For each line of code (from `codeLines`): the bracket depth (`(`, `[`, `{`) at its start.
  static func depths(_ code: [String]) -> [Int] {
    var depth = 0
    return code.map { line in
      let start = depth
      for c in line {
        if c == "(" || c == "[" || c == "{" { depth += 1 }
        if c == ")" || c == "]" || c == "}" { depth = max(0, depth - 1) }
      }
      return start
    }
  }

  /// The words (identifier-like tokens, `@` attributes included) of a line of code, in order,
  /// each with its bracket depth relative to the line's start.
  static func words(_ line: String, startDepth: Int) -> [(word: String, depth: Int)] {
    var result: [(String, Int)] = []
    var depth = startDepth
    var current = ""
    func flush() {
      if !current.isEmpty { result.append((current, depth)) }
      current = ""
    }
    for c in line {
      if c.isLetter || c.isNumber || c == "_" || (c == "@" && current.isEmpty) {
        current.append(c)
        continue
      }
      flush()
      if c == "(" || c == "[" || c == "{" { depth += 1 }
      if c == ")" || c == "]" || c == "}" { depth = max(0, depth - 1) }
    }
    flush()
    return result
  }

  /// 0-based indices of the lines holding a `...` that stands for omitted code rather than a
  /// range: `{ client in ... }`, `f(a, ...)`, a line of `...`. A `...` touching an operand
  /// (`1...9`, `x...`, `...x`, `client[...]`) is a range operator, and so is `a ... b`.
  static func placeholderLines(_ code: [String]) -> [Int] {
    var found: [Int] = []
    let keywords: Set<String> = ["in", "return", "else", "do", "try", "await", "throw", "case", "where"]
    for (index, line) in code.enumerated() {
      let chars = Array(line)
      var i = 0
      while i + 2 < chars.count {
        guard chars[i] == ".", chars[i + 1] == ".", chars[i + 2] == "." else {
          i += 1
          continue
        }
        let end = i + 3
        let before: Character = i > 0 ? chars[i - 1] : " "
        let after: Character = end < chars.count ? chars[end] : " "
        i = end
        if before == "." || after == "." { continue }  // a longer run of dots: not this pattern
        // Touching an operand: a range (`1...9`, `x...`, `...x`); `[...]` and `(...)`: the
        // unbounded range, as a subscript or an argument.
        if before.isLetter || before.isNumber || "_)]\"".contains(before) { continue }
        if after.isLetter || after.isNumber || "_([\"$".contains(after) { continue }
        if (before == "[" && after == "]") || (before == "(" && after == ")") { continue }
        if !(before.isWhitespace && after.isWhitespace) {
          found.append(index)
          break
        }
        // Spaced on both sides: a binary range `a ... b`, or a placeholder.
        let left = String(chars[..<(end - 3)]).trimmingCharacters(in: .whitespaces)
        let right = String(chars[end...]).trimmingCharacters(in: .whitespaces)
        let leftWord = left.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).last
        let leftIsOperand =
          left.last.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ")" || $0 == "]" || $0 == "\"" }
          ?? false
        let rightIsOperand =
          right.first.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "(" || $0 == "[" || $0 == "\"" }
          ?? false
        let leftIsKeyword =
          left.last.map { $0.isLetter } == true && keywords.contains(leftWord.map(String.init) ?? "")
        if !(leftIsOperand && rightIsOperand && !leftIsKeyword) {
          found.append(index)
          break
        }
      }
    }
    return found
  }
}

// MARK: - Sorting blocks

extension DocSnippet {
  /// Words that open a declaration, and modifiers that may come before one.
  static let declarationWords: Set<String> = [
    "let", "var", "func", "struct", "enum", "class", "actor", "typealias", "import", "protocol",
    "extension", "operator", "precedencegroup",
  ]
  static let modifierWords: Set<String> = [
    "public", "private", "fileprivate", "internal", "package", "final", "static", "nonisolated",
    "lazy", "weak", "unowned", "override", "convenience", "required", "mutating", "indirect",
    "prefix", "postfix", "infix", "open",
  ]
  /// Declarations that only a file's top level may hold (not a function body, not a type's body).
  static let topLevelOnlyWords: Set<String> = ["extension", "protocol", "operator", "precedencegroup"]

  /// The first declaration word of each top-level (depth 0) statement of the block, or nil for
  /// a statement that is not a declaration, with the index of its line. Lines that go on from the
  /// line before (starting with `.`, an operator, `else`, ...) are left out.
  static func topLevelStatements(_ code: [String]) -> [(line: Int, declaration: String?)] {
    let depths = SwiftScan.depths(code)
    var result: [(Int, String?)] = []
    for (index, line) in code.enumerated() where depths[index] == 0 {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard let first = trimmed.first else { continue }
      if ".+-*/%=&|^?:<>!~,)]}".contains(first) && !trimmed.hasPrefix("!") { continue }
      let words = SwiftScan.words(trimmed, startDepth: 0).filter { $0.depth == 0 }.map(\.word)
      if let opener = words.first, ["else", "where", "in", "catch"].contains(opener) { continue }
      // Skip attributes and modifiers; what follows says what the statement is.
      let rest = words.drop { $0.hasPrefix("@") || modifierWords.contains($0) }
      if let word = rest.first, declarationWords.contains(word) {
        result.append((index, word))
      } else if rest.isEmpty && !words.isEmpty {
        result.append((index, "@"))  // an attribute on a line of its own: the declaration follows
      } else {
        result.append((index, nil))
      }
    }
    return result
  }

  /// Sorts a block: see `Kind`. Steering and manifests first (they are other modules), then
  /// `@main`, then top-level-only declarations, then blocks of declarations alone.
  static func classify(_ lines: [String]) -> Kind {
    let code = SwiftScan.codeLines(lines)
    let firstText = lines.first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
    let allWords = code.flatMap { SwiftScan.words($0, startDepth: 0).map(\.word) }
    if firstText.trimmingCharacters(in: .whitespaces).hasPrefix("//") && firstText.contains("Package.swift") {
      return .manifest
    }
    let imports = zip(allWords, allWords.dropFirst()).filter { $0.0 == "import" }.map(\.1)
    if imports.contains("PackageDescription") { return .manifest }
    if imports.contains("MPIParallelSteering") { return .steering }
    if allWords.contains("@main") { return .program }
    let statements = topLevelStatements(code)
    if statements.contains(where: { $0.declaration.map(topLevelOnlyWords.contains) ?? false }) {
      return .topLevel
    }
    let depths = SwiftScan.depths(code)
    let topLevelWords = code.indices.flatMap { index in
      SwiftScan.words(code[index], startDepth: depths[index]).filter { $0.depth == 0 }.map(\.word)
    }
    let effects = topLevelWords.contains("try") || topLevelWords.contains("await")
    if !statements.isEmpty && !effects && statements.allSatisfy({ $0.declaration != nil }) {
      return .declarations
    }
    return .fragment
  }

  /// The block's lines as members of a type: `static` goes before each top-level `let`, `var`
  /// and `func`, so that the declarations of a file's blocks can live in one namespace per file
  /// (an `enum`) and two files may both declare `simulate`. A `let` or `var` also gets
  /// `nonisolated(unsafe)`: at the top level of a main.swift, where readers put it, it belongs to
  /// the main actor, while as a static property it would be global state that Swift 6 refuses
  /// for a `var` or a value that is not Sendable.
  /// Imports become blank lines (the generated file imports them at its top); line numbers do
  /// not change.
  func linesAsStaticMembers() -> [String] {
    let code = SwiftScan.codeLines(lines)
    var result = lines
    for statement in DocSnippet.topLevelStatements(code) {
      guard let word = statement.declaration else { continue }
      let index = statement.line
      if word == "import" {
        result[index] = ""
        continue
      }
      guard ["let", "var", "func"].contains(word) else { continue }
      let words = SwiftScan.words(code[index], startDepth: 0).map(\.word)
      if words.contains("static") { continue }
      // Insert before the keyword (after attributes and modifiers); find it as a whole word.
      if let range = result[index].range(of: "\\b\(word)\\b", options: .regularExpression) {
        let prefix = word == "func" ? "static " : "nonisolated(unsafe) static "
        result[index].insert(contentsOf: prefix, at: range.lowerBound)
      }
    }
    return result
  }

  /// The line ranges (0-based) of the block's top-level `let name = RemoteFunction(...)`
  /// statements. Remote functions are top-level declarations by the library's rule (every rank
  /// registers them), so a block that defines one and then uses it (`let simulate = ...`, then
  /// `Cluster.run(simulate) { ... }`) declares it for the file's other blocks too.
  func remoteFunctionDeclarations() -> [ClosedRange<Int>] {
    let code = SwiftScan.codeLines(lines)
    let statements = DocSnippet.topLevelStatements(code)
    var ranges: [ClosedRange<Int>] = []
    for (number, statement) in statements.enumerated() where statement.declaration == "let" {
      let pattern = "^\\s*let\\s+\\w+\\s*(:[^=]*)?=\\s*RemoteFunction\\b"
      guard code[statement.line].range(of: pattern, options: .regularExpression) != nil else { continue }
      let end = number + 1 < statements.count ? statements[number + 1].line - 1 : lines.count - 1
      ranges.append(statement.line...max(statement.line, end))
    }
    return ranges
  }

  /// The modules a block imports itself (`import X` at its top level).
  var importedModules: [String] {
    let code = SwiftScan.codeLines(lines)
    return DocSnippet.topLevelStatements(code).filter { $0.declaration == "import" }.compactMap { statement in
      let words = SwiftScan.words(code[statement.line], startDepth: 0).map(\.word)
      return words.firstIndex(of: "import").flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
    }
  }

  /// Problems the compiler would not name well: `...` placeholders, an unclosed fence.
  func problems() -> [DocSnippetProblem] {
    var found = SwiftScan.placeholderLines(SwiftScan.codeLines(lines)).map { index in
      DocSnippetProblem(
        snippet: self, line: firstLine + index,
        message: "`...` stands for omitted code; write code that compiles (or a comment) instead: "
          + lines[index].trimmingCharacters(in: .whitespaces))
    }
    if !closed {
      found.append(
        DocSnippetProblem(snippet: self, line: fenceLine, message: "the ```swift block is never closed"))
    }
    return found
  }
}
