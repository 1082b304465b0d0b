import Foundation

/// A block that does not compile (or holds a placeholder), at a markdown file and line.
struct DocSnippetFailure: CustomStringConvertible {
  /// The markdown file (absolute), for the test failure's location.
  let path: String
  /// The file as messages name it.
  let displayPath: String
  /// 1-based markdown line the failure is about.
  let line: Int
  let message: String

  var description: String { "\(displayPath):\(line): \(message)" }
}

/// What checking a set of markdown files found.
struct DocSnippetReport {
  var snippets: [DocSnippet] = []
  var failures: [DocSnippetFailure] = []
  /// swiftc runs, one line each: what was compiled, how long it took.
  var invocations: [String] = []

  /// The blocks counted by kind, for the test's log: "fragment 12, program 3, ...".
  var summary: String {
    let counts = Dictionary(grouping: snippets, by: \.kind).mapValues(\.count)
    return counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
      .joined(separator: ", ")
  }
}

/// Type-checks the ```swift blocks of markdown files with `swiftc -typecheck`, against the
/// modules `swift build` left in the bin directory, and maps the compiler's errors back to the
/// markdown lines with `#sourceLocation`. Nothing is linked or run.
///
/// - Fragments (statements) and declarations blocks of all files go to ONE swiftc run, with the
///   prelude (Tests/DocSnippets/Prelude.swift: `client`, `dv`, `lview`, `f`, ...). Each file's
///   blocks live in an `enum` of their own: declarations become its static members, visible to
///   every block of that file; each fragment becomes a static function,
///   `async throws` when it awaits, else `throws` (in an async function the type checker prefers
///   async overloads, so `Cluster.run { ... }` would need an `await` there, unlike in a program).
/// - `@main` blocks (with their file's earlier declarations blocks), steering blocks, top-level
///   blocks and Package.swift blocks get one swiftc run each.
struct DocSnippetChecker {
  /// The language mode the blocks are checked in: 6, the mode of a package that depends on this
  /// one with tools version 6 (where readers paste the blocks), with its strict concurrency
  /// checking. The library's own targets build in mode 5; set "5" here to check the blocks in
  /// that mode instead.
  var swiftVersion = "6"
  /// Seconds one swiftc run may take before the watchdog kills it and the block fails.
  var timeout: Double = 120
  let toolchain: DocSnippetToolchain

  init(toolchain: DocSnippetToolchain) { self.toolchain = toolchain }

  /// One swiftc run: the files it compiles and the blocks they hold.
  private struct Job {
    let title: String
    let files: [(name: String, text: String)]
    let arguments: [String]
    let snippets: [DocSnippet]
  }

  /// Checks every ```swift block of the files (pairs of absolute path and display path).
  func check(files: [(path: String, displayPath: String)]) throws -> DocSnippetReport {
    var report = DocSnippetReport()
    var documents: [[DocSnippet]] = []
    for file in files {
      let snippets = try DocSnippetExtractor.snippets(inFile: file.path, displayPath: file.displayPath)
      report.snippets += snippets
      documents.append(snippets)
    }
    // Blocks with a placeholder or no closing fence fail without being compiled.
    var compiled: [[DocSnippet]] = []
    for snippets in documents {
      var kept: [DocSnippet] = []
      for snippet in snippets {
        let problems = snippet.problems()
        report.failures += problems.map {
          DocSnippetFailure(
            path: snippet.path, displayPath: snippet.displayPath, line: $0.line, message: $0.message)
        }
        if problems.isEmpty { kept.append(snippet) }
      }
      compiled.append(kept)
    }
    for job in try jobs(compiled) {
      let started = Date()
      report.failures += try run(job)
      report.invocations.append(
        "\(job.title): \(job.snippets.count) block(s), "
          + String(format: "%.1f s", Date().timeIntervalSince(started)))
    }
    // A declarations block compiled both with the fragments and with a program reports once.
    var seen = Set<String>()
    report.failures = report.failures.filter { seen.insert("\($0.displayPath):\($0.line)").inserted }
    return report
  }

  // MARK: - Generated sources

  private func jobs(_ documents: [[DocSnippet]]) throws -> [Job] {
    var result: [Job] = []
    let library = try toolchain.flags(forTarget: "MPIParallel")
    var fragmentFiles: [(name: String, text: String)] = []
    var fragmentSnippets: [DocSnippet] = []
    for (number, snippets) in documents.enumerated() {
      let grouped = snippets.filter { $0.kind == .fragment || $0.kind == .declarations }
      if !grouped.isEmpty {
        fragmentFiles.append((name: "doc\(number).swift", text: namespaceFile(grouped, number: number)))
        fragmentSnippets += grouped
      }
      for (index, snippet) in snippets.enumerated() {
        let earlier = snippets[..<index].filter { $0.kind == .declarations }
        switch snippet.kind {
        case .fragment, .declarations:
          continue
        case .program:
          let text = (earlier + [snippet]).map { located($0) }.joined(separator: "\n")
          result.append(
            Job(
              title: "program \(snippet.location)", files: [(name: "program.swift", text: text)],
              arguments: ["-parse-as-library"] + library, snippets: earlier + [snippet]))
        case .topLevel:
          let text =
            "import Foundation\nimport MPIParallel\n"
            + (earlier + [snippet]).map { located($0) }.joined(separator: "\n")
          result.append(
            Job(
              title: "top-level code \(snippet.location)",
              files: [(name: "main.swift", text: text), (name: "prelude.swift", text: try prelude())],
              arguments: library, snippets: earlier + [snippet]))
        case .steering:
          result.append(
            Job(
              title: "steering \(snippet.location)", files: [(name: "main.swift", text: located(snippet))],
              arguments: try toolchain.flags(forTarget: "MPIParallelSteering"), snippets: [snippet]))
        case .manifest:
          result.append(
            Job(
              title: "manifest \(snippet.location)",
              files: [(name: "Package.swift", text: manifest(snippet))],
              arguments: toolchain.manifestFlags(), snippets: [snippet]))
        }
      }
    }
    if !fragmentFiles.isEmpty {
      result.insert(
        Job(
          title: "fragments and declarations",
          files: [(name: "prelude.swift", text: try prelude())] + fragmentFiles,
          arguments: ["-parse-as-library"] + library, snippets: fragmentSnippets), at: 0)
    }
    return result
  }

  /// `#sourceLocation` names the markdown file in the compiler's messages. It takes a string
  /// literal: escape what a path could hold.
  private func sourceLocation(_ snippet: DocSnippet, line: Int) -> String {
    let file = snippet.displayPath.replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
    return "#sourceLocation(file: \"\(file)\", line: \(max(line, 1)))"
  }

  /// A block as it stands, its lines numbered as in the markdown file.
  private func located(_ snippet: DocSnippet, lines: [String]? = nil) -> String {
    ([sourceLocation(snippet, line: snippet.firstLine)] + (lines ?? snippet.lines) + ["#sourceLocation()"])
      .joined(separator: "\n")
  }

  /// One markdown file's fragments and declarations: an enum holding the declarations as static
  /// members and each fragment as a static function named after its line.
  private func namespaceFile(_ snippets: [DocSnippet], number: Int) -> String {
    let base = ((snippets[0].displayPath as NSString).lastPathComponent as NSString).deletingPathExtension
    let name = "_Doc\(number)_" + String(base.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    let imports = Set(snippets.flatMap(\.importedModules)).subtracting(["Foundation", "MPIParallel"])
    var out = ["// Generated from \(snippets[0].displayPath): its ```swift blocks, to type-check them."]
    out += ["import Foundation", "import MPIParallel"] + imports.sorted().map { "import \($0)" }
    out.append("enum \(name) {")
    for snippet in snippets {
      if snippet.kind == .declarations {
        out.append(located(snippet, lines: snippet.linesAsStaticMembers()))
      } else {
        let awaits = SwiftScan.codeLines(snippet.lines).contains {
          SwiftScan.words($0, startDepth: 0).contains { $0.word == "await" }
        }
        // Imports are at the file's top, and top-level remote functions are members of the
        // namespace (see `remoteFunctionDeclarations`): blank them here, keeping the line count.
        let code = SwiftScan.codeLines(snippet.lines)
        let importLines = DocSnippet.topLevelStatements(code).filter { $0.declaration == "import" }.map(
          \.line)
        let hoisted = Set(snippet.remoteFunctionDeclarations().flatMap { Array($0) })
        let removed = hoisted.union(importLines)
        if !hoisted.isEmpty {
          let declarations = DocSnippet(
            path: snippet.path, displayPath: snippet.displayPath, fenceLine: snippet.fenceLine,
            lines: snippet.lines.enumerated().map { hoisted.contains($0.offset) ? $0.element : "" },
            closed: true, kind: .declarations)
          out.append(located(snippet, lines: declarations.linesAsStaticMembers()))
        }
        let body = snippet.lines.enumerated().map { removed.contains($0.offset) ? "" : $0.element }
        out.append("static func _snippet_line\(snippet.fenceLine)() \(awaits ? "async throws" : "throws") {")
        out.append(located(snippet, lines: body))
        out.append("}")
      }
    }
    out.append("}")
    return out.joined(separator: "\n") + "\n"
  }

  /// A Package.swift block: compiled as it is when it declares `let package`, else as the
  /// arguments of `Package(name:...)` after `name:` (what "dependencies: [...], targets: [...]"
  /// excerpts are). The wrapper's two lines come just before the block's first line.
  private func manifest(_ snippet: DocSnippet) -> String {
    let words = SwiftScan.codeLines(snippet.lines).flatMap { SwiftScan.words($0, startDepth: 0).map(\.word) }
    let hasImport = words.contains("PackageDescription")
    if words.contains("Package") && words.contains("package") {
      return (hasImport ? "" : "import PackageDescription\n") + located(snippet)
    }
    return [
      "import PackageDescription", sourceLocation(snippet, line: snippet.firstLine - 2),
      "let package = Package(", "  name: \"Snippet\",",
    ]
    .joined(separator: "\n") + "\n" + snippet.lines.joined(separator: "\n") + "\n)\n"
  }

  /// Tests/DocSnippets/Prelude.swift: the names blocks may use without declaring them.
  private func prelude() throws -> String {
    try String(contentsOfFile: toolchain.packageRoot + "/Tests/DocSnippets/Prelude.swift", encoding: .utf8)
  }

  // MARK: - Running swiftc

  private func run(_ job: Job) throws -> [DocSnippetFailure] {
    // The generated sources go to a temporary directory, removed afterwards; with
    // DOC_SNIPPETS_KEEP=<directory> in the environment they stay there to be read.
    let keep = ProcessInfo.processInfo.environment["DOC_SNIPPETS_KEEP"].flatMap { $0.isEmpty ? nil : $0 }
    let directory =
      (keep.map { $0 + "/" } ?? NSTemporaryDirectory())
      + "doc-snippets-\(ProcessInfo.processInfo.processIdentifier)-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { if keep == nil { try? FileManager.default.removeItem(atPath: directory) } }
    var paths: [String] = []
    for file in job.files {
      let path = directory + "/" + file.name
      try file.text.write(toFile: path, atomically: true, encoding: .utf8)
      paths.append(path)
    }
    var arguments = ["-typecheck", "-diagnostic-style", "llvm", "-module-name", "DocSnippets"]
    if !job.arguments.contains("-swift-version") { arguments += ["-swift-version", swiftVersion] }
    arguments += job.arguments + paths
    let result = try MPIRun.runDirect(executable: toolchain.swiftc, arguments: arguments, timeout: timeout)
    let first = job.snippets[0]
    if result.timedOut {
      return [
        DocSnippetFailure(
          path: first.path, displayPath: first.displayPath, line: first.fenceLine,
          message: "swiftc did not finish within \(Int(timeout)) s (\(job.title))\n" + result.describe())
      ]
    }
    let failures = diagnostics(result.stderr + "\n" + result.stdout, job: job)
    if result.status != 0 && failures.isEmpty {
      // An error the blocks' lines do not explain: the prelude, the flags, a missing module.
      return [
        DocSnippetFailure(
          path: first.path, displayPath: first.displayPath, line: first.fenceLine,
          message: "swiftc failed on \(job.title) with no error in a block's lines:\n"
            + MPIRunResult.tail(result.stderr + result.stdout, 6000))
      ]
    }
    return failures
  }

  /// The errors of swiftc's output (`file:line:col: error: text`, then the source line and the
  /// caret) that fall in a block's lines, each with the lines that follow it (source, caret,
  /// notes).
  private func diagnostics(_ output: String, job: Job) -> [DocSnippetFailure] {
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let pattern = try! NSRegularExpression(pattern: "^(.+?):(\\d+):(\\d+): (error|warning|note|remark): ")
    // One failure per block, at its first error, with all of its errors: one mistake often
    // brings others ("cannot find 'x'", then "generic parameter could not be inferred").
    var errors: [(snippet: DocSnippet, line: Int, text: [String])] = []
    var inError = false
    for line in lines {
      let range = NSRange(line.startIndex..., in: line)
      guard let match = pattern.firstMatch(in: line, range: range) else {
        if inError && !line.isEmpty { errors[errors.count - 1].text.append(line) }
        continue
      }
      let group = { (i: Int) in String(line[Range(match.range(at: i), in: line)!]) }
      if group(4) == "note" && inError {
        errors[errors.count - 1].text.append(line)
        continue
      }
      inError = false
      guard group(4) == "error", let number = Int(group(2)) else { continue }
      if let snippet = job.snippets.first(where: {
        $0.displayPath == group(1) && $0.firstLine <= number && number <= $0.lastLine
      }) {
        errors.append((snippet, number, [line]))
        inError = true
      }
    }
    var failures: [DocSnippetFailure] = []
    var done = Set<String>()
    for error in errors where done.insert(error.snippet.location).inserted {
      let text = errors.filter { $0.snippet.location == error.snippet.location }.flatMap(\.text)
      failures.append(
        DocSnippetFailure(
          path: error.snippet.path, displayPath: error.snippet.displayPath, line: error.line,
          message: "```swift block at line \(error.snippet.fenceLine) does not compile (\(job.title)):\n"
            + text.joined(separator: "\n")))
    }
    return failures
  }
}

/// Where the compiler and the built modules are, and the flags that import them.
struct DocSnippetToolchain {
  /// The package's root (the directory holding Package.swift).
  let packageRoot: String
  /// The bin directory `swift build` built into (holding Modules/MPIParallel.swiftmodule).
  let binDirectory: String
  /// The swiftc that built the modules (the first argument of their compile command).
  let swiftc: String
  /// The build's llbuild manifest (`.build/debug.yaml`), where SwiftPM writes each target's
  /// compile command.
  let buildManifest: String

  /// Finds the bin directory the tests run from (as MPIRun does) and the build manifest beside it.
  static func locate() throws -> DocSnippetToolchain {
    let root = packageRootOfThisFile()
    let candidates = MPIRun.binDirectoryCandidates()
    guard
      let bin = candidates.first(where: {
        FileManager.default.fileExists(atPath: $0 + "/Modules/MPIParallel.swiftmodule")
      })
    else {
      throw DocSnippetError.notBuilt(
        "no Modules/MPIParallel.swiftmodule in \(candidates.joined(separator: ", ")); run swift build first")
    }
    // bin is <scratch>/<triple>/<configuration>; the manifest is <scratch>/<configuration>.yaml.
    let resolved = URL(fileURLWithPath: bin).resolvingSymlinksInPath().path
    let configuration = (resolved as NSString).lastPathComponent
    var directory = (resolved as NSString).deletingLastPathComponent
    var manifest: String?
    for _ in 0..<3 where manifest == nil {
      let path = directory + "/\(configuration).yaml"
      if FileManager.default.fileExists(atPath: path) { manifest = path }
      directory = (directory as NSString).deletingLastPathComponent
    }
    guard let buildManifest = manifest else {
      throw DocSnippetError.notBuilt("no \(configuration).yaml above \(resolved); run swift build first")
    }
    let swiftc = try compileCommand(forTarget: "MPIParallel", manifest: buildManifest).first ?? "swiftc"
    return DocSnippetToolchain(
      packageRoot: root, binDirectory: resolved, swiftc: swiftc, buildManifest: buildManifest)
  }

  /// The flags of `target`'s compile command that say where modules are: `-I` (Swift modules and
  /// headers, as `pkg-config --cflags ompi-c` gives them), `-Xcc` (the module maps of CMPI,
  /// GRDBSQLite and the C targets of swift-nio and swift-crypto, ...), the module cache, the
  /// target triple. Taken from the command SwiftPM ran, so that they match the build.
  func flags(forTarget target: String) throws -> [String] {
    let command = try Self.compileCommand(forTarget: target, manifest: buildManifest)
    let withValue: Set<String> = [
      "-I", "-Xcc", "-module-cache-path", "-target", "-sdk", "-resource-dir", "-F",
    ]
    var flags: [String] = []
    var index = 1
    while index < command.count {
      let argument = command[index]
      if withValue.contains(argument) && index + 1 < command.count {
        flags += [argument, command[index + 1]]
        index += 2
        continue
      }
      if argument.hasPrefix("-I") || argument.hasPrefix("-F") { flags.append(argument) }
      index += 1
    }
    return flags
  }

  /// Flags for a Package.swift: PackageDescription from the toolchain (`lib/swift/pm/ManifestAPI`
  /// beside swiftc's `bin`), in the package's own tools version and its language mode.
  func manifestFlags() -> [String] {
    let toolchainRoot = ((swiftc as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
    let api = toolchainRoot + "/lib/swift/pm/ManifestAPI"
    let manifest = (try? String(contentsOfFile: packageRoot + "/Package.swift", encoding: .utf8)) ?? ""
    let firstLine = manifest.split(separator: "\n").first.map(String.init) ?? ""
    let version =
      firstLine.range(of: "[0-9]+\\.[0-9]+(\\.[0-9]+)?", options: .regularExpression).map {
        String(firstLine[$0])
      }
      ?? "6.0"
    let major = Int(version.split(separator: ".")[0]) ?? 6
    return ["-I", api, "-package-description-version", version, "-swift-version", major >= 6 ? "6" : "5"]
  }

  /// The arguments of `target`'s Swift compile command in the build manifest: the line
  /// `args: [...]` (a JSON array) under the key `"C.<target>-<triple>-<configuration>.module"`.
  static func compileCommand(forTarget target: String, manifest: String) throws -> [String] {
    let text = try String(contentsOfFile: manifest, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard
      let start = lines.firstIndex(where: {
        let line = $0.trimmingCharacters(in: .whitespaces)
        return line.hasPrefix("\"C.\(target)-") && line.hasSuffix(".module\":")
      })
    else {
      throw DocSnippetError.notBuilt("no compile command of \(target) in \(manifest); run swift build first")
    }
    for line in lines[(start + 1)...].prefix(12) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard trimmed.hasPrefix("args: [") else { continue }
      let json = trimmed.dropFirst("args: ".count)
      guard let arguments = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else { break }
      return arguments
    }
    throw DocSnippetError.notBuilt("the compile command of \(target) in \(manifest) has no readable args")
  }

  /// The directory above this source file that holds Package.swift.
  static func packageRootOfThisFile() -> String {
    var dir = (#filePath as NSString).deletingLastPathComponent
    while dir != "/" && !dir.isEmpty {
      if FileManager.default.fileExists(atPath: dir + "/Package.swift") { return dir }
      dir = (dir as NSString).deletingLastPathComponent
    }
    return FileManager.default.currentDirectoryPath
  }
}

enum DocSnippetError: Error, CustomStringConvertible {
  /// The modules or the build manifest the blocks compile against are missing.
  case notBuilt(String)

  var description: String {
    switch self {
    case .notBuilt(let message): return message
    }
  }
}
