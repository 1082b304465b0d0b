import Foundation
import XCTest

/// Every ```swift block of README.md and of the DocC articles compiles, or the test fails at the
/// markdown file and line of the block. The blocks are type-checked with swiftc against the
/// modules `swift build` built (Support/DocSnippetChecker.swift); nothing runs. The other tests
/// check the checker itself: that it finds blocks and their lines, and that a wrong block fails
/// where it is.
final class DocSnippetTests: XCTestCase {
  /// README.md and the articles of the DocC catalogue, paths relative to the package root.
  static func documentationFiles(root: String) throws -> [(path: String, displayPath: String)] {
    let catalogue = "Sources/MPIParallel/MPIParallel.docc"
    let articles = try FileManager.default.contentsOfDirectory(atPath: root + "/" + catalogue)
      .filter { $0.hasSuffix(".md") }.sorted().map { catalogue + "/" + $0 }
    return (["README.md"] + articles).map { (path: root + "/" + $0, displayPath: $0) }
  }

  func testEverySwiftBlockOfTheReadmeAndTheArticlesCompiles() throws {
    let toolchain = try DocSnippetToolchain.locate()
    let files = try Self.documentationFiles(root: toolchain.packageRoot)
    let started = Date()
    let report = try DocSnippetChecker(toolchain: toolchain).check(files: files)
    print(
      "DocSnippetTests: \(report.snippets.count) ```swift blocks in \(files.count) files (\(report.summary)); "
        + "\(report.failures.count) failure(s); "
        + String(format: "%.1f s", Date().timeIntervalSince(started)))
    for line in report.invocations { print("  swiftc, " + line) }
    XCTAssertFalse(report.snippets.isEmpty, "no ```swift block found in \(files.map(\.displayPath))")
    for failure in report.failures { recordFailure(at: failure) }
  }

  /// A wrong block in a markdown file of its own fails at that file and line: a type error in a
  /// fragment, a `...` placeholder, a type error in a `@main` program, in steering code, in a
  /// Package.swift excerpt; right blocks beside them
  /// (one using the prelude, a declarations block and a remote function another block defines)
  /// do not fail.
  func testWrongBlocksFailAtTheirFileAndLine() throws {
    let toolchain = try DocSnippetToolchain.locate()
    let directory =
      NSTemporaryDirectory() + "doc-snippet-harness-\(ProcessInfo.processInfo.processIdentifier)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/Wrong.md"
    let markdown = """
      # A page with wrong blocks

      ```swift
      let triple = RemoteFunction("triple") { (x: Int) -> Int in 3 * x }
      ```

      ```swift
      let quad = RemoteFunction("quad") { (x: Int) -> Int in 4 * x }
      print(try lview.apply(quad, 1).get())
      ```

      ```swift
      let values = try lview.map(triple, xs).get()
      let sums = try dv.apply(g, 1, 2).get()
      print(values, sums, f.name, try lview.apply(quad, 2).get())
      ```

      ```swift
      let count: String = try lview.apply(f, 2).get()
      ```

      ```swift
      Cluster.run(f) { client in ... }
      ```

      ```swift
      import MPIParallel

      @main struct App {
        static func main() {
          let n: Int = "not a number"
        }
      }
      ```

      ```swift
      import MPIParallelSteering

      let steering = try Client(profile: "demo")
      let wrong: Int = steering
      ```

      ```swift
      // Package.swift
      dependencies: [],
      targets: [.target(name: 1)]
      ```
      """
    try markdown.write(toFile: path, atomically: true, encoding: .utf8)
    let report = try DocSnippetChecker(toolchain: toolchain).check(files: [(path: path, displayPath: path)])
    let kinds = report.snippets.map(\.kind)
    XCTAssertEqual(
      kinds, [.declarations, .fragment, .fragment, .fragment, .fragment, .program, .steering, .manifest])
    let found = report.failures.map { "\($0.displayPath):\($0.line)" }
    XCTAssertEqual(
      found.sorted(), ["\(path):19", "\(path):23", "\(path):31", "\(path):40", "\(path):46"],
      "\(report.failures)")
    for failure in report.failures {
      XCTAssertTrue(failure.description.hasPrefix(path + ":"), failure.description)
      XCTAssertEqual(failure.path, path)
    }
    let messages = Dictionary(report.failures.map { ($0.line, $0.message) }, uniquingKeysWith: { $0 + $1 })
    XCTAssertTrue(messages[19]?.contains("\(path):19:") == true, messages[19] ?? "")
    XCTAssertTrue(messages[19]?.contains("error:") == true, messages[19] ?? "")
    XCTAssertTrue(messages[23]?.contains("`...`") == true, messages[23] ?? "")
    for line in [31, 40, 46] {
      XCTAssertTrue(messages[line]?.contains("\(path):\(line):") == true, messages[line] ?? "")
    }
  }

  /// Blocks and their lines: only an info string of exactly `swift` counts, a fence inside
  /// another language's block opens nothing, an indented fence loses its indent.
  func testExtractionFindsSwiftBlocksAndTheirLines() {
    let text = """
      Intro
      ```sh
      echo one
      ```
      ````markdown
      ```swift
      let inside = 1
      ```
      ````
      ```swift
      print(1)
      ```
        ```swift
        let x = 2
        print(x)
        ```
      ```swift title="x"
      print(3)
      ```
      ~~~swift
      import MPIParallelSteering
      ~~~
      """
    let snippets = DocSnippetExtractor.snippets(inText: text, path: "/p/A.md", displayPath: "A.md")
    XCTAssertEqual(snippets.map(\.fenceLine), [10, 13, 20])
    XCTAssertEqual(snippets.map(\.code), ["print(1)", "let x = 2\nprint(x)", "import MPIParallelSteering"])
    XCTAssertEqual(snippets.map(\.kind), [.fragment, .fragment, .steering])
    XCTAssertEqual(snippets.map(\.location), ["A.md:10", "A.md:13", "A.md:20"])
    XCTAssertTrue(snippets.allSatisfy(\.closed))
    let unclosed = DocSnippetExtractor.snippets(
      inText: "```swift\nprint(1)\n", path: "/p/B.md", displayPath: "B.md")
    XCTAssertEqual(unclosed.map(\.closed), [false])
    XCTAssertEqual(unclosed.first?.problems().map(\.line), [1])
  }

  /// How blocks are sorted into the ways they are compiled.
  func testBlocksAreSortedByWhatTheyHold() {
    func kind(_ code: String) -> DocSnippet.Kind { DocSnippet.classify(code.components(separatedBy: "\n")) }
    XCTAssertEqual(kind("let a = RemoteFunction(\"a\") { (x: Int) -> Int in\n  try g(x)\n}"), .declarations)
    XCTAssertEqual(kind("import MPIParallel\n\nlet a = 1\nfunc b() {}\nstruct C {}"), .declarations)
    XCTAssertEqual(kind("let a = try f()"), .fragment)
    XCTAssertEqual(kind("let a = 1\nprint(a)"), .fragment)
    XCTAssertEqual(kind("let a = lview\n  .map(f, xs)"), .declarations)
    XCTAssertEqual(kind("@main struct App {\n  static func main() {}\n}"), .program)
    XCTAssertEqual(kind("extension Int {\n  var twice: Int { 2 * self }\n}"), .topLevel)
    XCTAssertEqual(kind("import MPIParallelSteering\nlet c = try Client(profile: \"x\")"), .steering)
    XCTAssertEqual(kind("// Package.swift\ndependencies: [],"), .manifest)
    XCTAssertEqual(kind("// see @main and import MPIParallelSteering\nprint(\"@main\")"), .fragment)
  }

  /// `...` as omitted code is a placeholder; as a range operator it is not; nor in a comment or
  /// a string.
  func testPlaceholdersAreFoundAndRangesAreNot() {
    func lines(_ code: String) -> [Int] {
      SwiftScan.placeholderLines(SwiftScan.codeLines(code.components(separatedBy: "\n")))
    }
    XCTAssertEqual(lines("Cluster.run(f) { client in ... }"), [0])
    XCTAssertEqual(lines("f(1, ...)\n...\nlet a = 1"), [0, 1])
    XCTAssertEqual(lines("client[...]\nArray(1...100)\nlet r = 0 ... 9\nlet s = x...\nlet t = ...5"), [])
    XCTAssertEqual(lines("// ... the steps below ...\nlet s = \"a ... b\"\n/* ... */"), [])
    XCTAssertEqual(lines("let s = \"\\(a[\"k\"]) ... \" + b ... c\nreturn ... "), [1])
  }

  /// Declarations become static members of the file's namespace; line numbers do not move.
  func testDeclarationsBecomeStaticMembers() {
    let lines = [
      "import MPIParallel", "let a = RemoteFunction(\"a\") { (x: Int) -> Int in", "  let y = x", "  return y",
      "}", "@MainActor func b() {}", "struct C { let d = 1 }", "static let e = 2", "var h = 3",
    ]
    let snippet = DocSnippet(
      path: "/p/A.md", displayPath: "A.md", fenceLine: 1, lines: lines, closed: true, kind: .declarations)
    XCTAssertEqual(
      snippet.linesAsStaticMembers(),
      [
        "", "nonisolated(unsafe) static let a = RemoteFunction(\"a\") { (x: Int) -> Int in", "  let y = x",
        "  return y", "}",
        "@MainActor static func b() {}", "struct C { let d = 1 }", "static let e = 2",
        "nonisolated(unsafe) static var h = 3",
      ])
  }

  /// Records a failure at the markdown file and line, so that `swift test` prints
  /// `README.md:LINE: error: ...` (XCTFail can only name a Swift source location).
  private func recordFailure(at failure: DocSnippetFailure) {
    #if canImport(Darwin)
      record(
        XCTIssue(
          type: .assertionFailure, compactDescription: failure.description,
          sourceCodeContext: XCTSourceCodeContext(
            location: XCTSourceCodeLocation(filePath: failure.path, lineNumber: failure.line))))
    #else
      recordFailure(
        withDescription: failure.description, inFile: failure.path, atLine: failure.line, expected: true)
    #endif
  }
}
