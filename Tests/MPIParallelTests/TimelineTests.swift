import Foundation
import XCTest

@testable import MPIParallel

#if canImport(FoundationXML)
  import FoundationXML
#endif

final class TimelineTests: XCTestCase {
  static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

  /// `count` tasks of 0.01 * i seconds, dealt to the least-busy of `engines`
  /// engines, alternating two functions.
  static func farm(engines: Int = 4, count: Int = 32) -> Timeline {
    var free = [Double](repeating: 0, count: engines)
    var entries: [TimelineEntry] = []
    for i in 0..<count {
      let engine = free.indices.min { free[$0] < free[$1] }!
      let start = free[engine]
      let duration = 0.01 * Double(i + 1)
      free[engine] = start + duration + 0.002
      entries.append(
        TimelineEntry(
          taskID: 100 + i, function: i % 2 == 0 ? "simulate" : "analyse", engineID: engine,
          start: t0 + start, end: t0 + start + duration))
    }
    return Timeline(entries: entries, title: "sleep-tasks: load-balanced")
  }

  func testFromMetadataLeavesOutTasksWithoutEngineOrTimes() {
    let metadata = [
      TaskMetadata(taskID: 1, engineID: 0, submitted: Self.t0, started: Self.t0 + 1, completed: Self.t0 + 2),
      TaskMetadata(taskID: 2, engineID: nil, submitted: Self.t0, started: nil, completed: nil),
      TaskMetadata(taskID: 3, engineID: 2, submitted: Self.t0, started: nil, completed: nil),
      TaskMetadata(taskID: 4, engineID: 2, submitted: Self.t0, started: Self.t0 + 1.5, completed: nil),
      TaskMetadata(
        taskID: 5, engineID: 1, submitted: Self.t0, started: Self.t0 + 1.25, completed: Self.t0 + 3),
    ]
    let timeline = Timeline(metadata: metadata, function: "f", title: "t")
    XCTAssertEqual(
      timeline.entries,
      [
        TimelineEntry(taskID: 1, function: "f", engineID: 0, start: Self.t0 + 1, end: Self.t0 + 2),
        TimelineEntry(taskID: 5, function: "f", engineID: 1, start: Self.t0 + 1.25, end: Self.t0 + 3),
      ])
    XCTAssertEqual(timeline.title, "t")
    XCTAssertEqual(Timeline(metadata: [], function: "f").title, "MPIParallel timeline")
    XCTAssertEqual(timeline.engineIDs, [0, 1])
    XCTAssertEqual(timeline.span, 2, accuracy: 1e-9)
  }

  func testConcatenationKeepsEachSidesTimes() {
    let a = Timeline(entries: [
      TimelineEntry(taskID: 1, function: "f", engineID: 0, start: Self.t0, end: Self.t0 + 1)
    ])
    let b = Timeline(
      entries: [TimelineEntry(taskID: 2, function: "g", engineID: 1, start: Self.t0 + 5, end: Self.t0 + 6)],
      title: "load-balanced")
    let both = a + b
    XCTAssertEqual(both.entries, a.entries + b.entries)
    XCTAssertEqual(both.title, "MPIParallel timeline + load-balanced")
    XCTAssertEqual((a + a).title, "MPIParallel timeline")
    XCTAssertEqual(both.span, 6, accuracy: 1e-9)
  }

  func testSVGHasOneRowPerEngineAndOneRectPerTask() {
    let timeline = Self.farm()
    let svg = timeline.svg()
    XCTAssertTrue(
      svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""))
    XCTAssertTrue(svg.contains("version=\"1.1\""))
    XCTAssertTrue(svg.contains("width=\"1000\""))
    for engine in 0..<4 { XCTAssertEqual(occurrences(of: ">engine \(engine)</text>", in: svg), 1) }
    XCTAssertEqual(occurrences(of: ">engine ", in: svg), 4)
    XCTAssertEqual(occurrences(of: "<rect class=\"task\"", in: svg), 32)
    XCTAssertEqual(occurrences(of: "<rect class=\"swatch\"", in: svg), 2)
    XCTAssertTrue(svg.contains("<title>task 103: analyse on engine "), "tooltips name task, function, engine")
    XCTAssertTrue(svg.contains(", 0.040 s (at "), "tooltips give the duration")

    // Only engines that ran something get a row.
    let sparse = Timeline(entries: [
      TimelineEntry(taskID: 1, function: "f", engineID: 7, start: Self.t0, end: Self.t0 + 1),
      TimelineEntry(taskID: 2, function: "f", engineID: 2, start: Self.t0, end: Self.t0 + 1),
    ]).svg()
    XCTAssertEqual(occurrences(of: ">engine ", in: sparse), 2)
    XCTAssertTrue(sparse.contains(">engine 2</text>") && sparse.contains(">engine 7</text>"))
  }

  func testSVGHeightGrowsWithEngines() {
    func height(_ svg: String) -> Int? {
      guard let range = svg.range(of: #"height="(\d+)""#, options: .regularExpression) else { return nil }
      return Int(svg[range].dropFirst(8).dropLast())
    }
    let small = try! XCTUnwrap(height(Self.farm(engines: 2).svg()))
    let large = try! XCTUnwrap(height(Self.farm(engines: 16).svg()))
    XCTAssertEqual(large - small, 14 * Int(Timeline.Layout.rowHeight))
  }

  func testSVGEscapesText() throws {
    let timeline = Timeline(
      entries: [
        TimelineEntry(taskID: 1, function: "a<b&c>\"d'", engineID: 0, start: Self.t0, end: Self.t0 + 1)
      ],
      title: "x < y & z")
    let svg = timeline.svg()
    XCTAssertFalse(svg.contains("a<b"))
    XCTAssertFalse(svg.contains("x < y"))
    XCTAssertTrue(svg.contains("a&lt;b&amp;c&gt;&quot;d&apos;"))
    XCTAssertTrue(svg.contains("x &lt; y &amp; z"))
    let document = try parse(svg)
    XCTAssertTrue(
      document.texts.contains("a<b&c>\"d'"), "the legend names the function, unescaped by a parser")
  }

  func testSVGIsWellFormedXML() throws {
    for timeline in [Self.farm(), Timeline(entries: []), Self.farm(engines: 1, count: 1)] {
      let document = try parse(timeline.svg())
      XCTAssertEqual(document.elements.first, "svg")
      XCTAssertEqual(document.rootNamespace, "http://www.w3.org/2000/svg")
      XCTAssertEqual(document.taskRects, timeline.entries.count)
    }
    XCTAssertTrue(Timeline(entries: []).svg().contains(">no tasks</text>"))
  }

  func testColoursAreStablePerFunction() {
    let colors = Timeline.colors(for: ["simulate", "analyse"])
    XCTAssertEqual(colors, Timeline.colors(for: ["analyse", "simulate", "analyse"]), "order does not matter")
    XCTAssertNotEqual(colors["simulate"], colors["analyse"])
    XCTAssertEqual(
      Set(Timeline.colors(for: (0..<10).map { "f\($0)" }).values).count, 10, "ten names, ten colours")
    // The same function has the same fill in every bar and in the legend.
    let svg = Self.farm().svg()
    for (name, color) in colors {
      XCTAssertEqual(occurrences(of: "fill=\"\(color)\"", in: svg), 16 + 1, name)
    }
    XCTAssertEqual(Self.farm().svg(), svg, "deterministic")
  }

  func testTicksAreRoundNumbers() {
    XCTAssertEqual(Timeline.tickStep(span: 1.38).step, 0.2, accuracy: 1e-12)
    XCTAssertEqual(Timeline.tickStep(span: 1.38).decimals, 1)
    XCTAssertEqual(Timeline.tickStep(span: 10).step, 1, accuracy: 1e-12)
    XCTAssertEqual(Timeline.tickStep(span: 10).decimals, 0)
    XCTAssertEqual(Timeline.tickStep(span: 0.05).step, 0.005, accuracy: 1e-12)
    XCTAssertEqual(Timeline.tickStep(span: 0.05).decimals, 3)
    XCTAssertEqual(Timeline.tickStep(span: 340).step, 50, accuracy: 1e-12)
    // Labels of a 1.38 s timeline: 0.0, 0.2, ... 1.2.
    let svg = Self.farm().svg()
    XCTAssertTrue(svg.contains(">0.0</text>") && svg.contains(">0.2</text>"))
  }

  func testChromeTrace() throws {
    let timeline = Self.farm()
    let json = try XCTUnwrap(
      JSONSerialization.jsonObject(with: Data(timeline.chromeTrace().utf8)) as? [String: Any])
    let events = try XCTUnwrap(json["traceEvents"] as? [[String: Any]])
    let complete = events.filter { $0["ph"] as? String == "X" }
    XCTAssertEqual(complete.count, 32)
    let origin = try XCTUnwrap(timeline.origin)
    for entry in timeline.entries {
      let matches = complete.filter { ($0["args"] as? [String: Any])?["taskID"] as? Int == entry.taskID }
      XCTAssertEqual(matches.count, 1)
      let event = try XCTUnwrap(matches.first)
      XCTAssertEqual(event["name"] as? String, entry.function)
      XCTAssertEqual(event["pid"] as? Int, 0)
      XCTAssertEqual(event["tid"] as? Int, entry.engineID)
      let ts = try XCTUnwrap((event["ts"] as? NSNumber)?.doubleValue)
      let dur = try XCTUnwrap((event["dur"] as? NSNumber)?.doubleValue)
      XCTAssertEqual(ts, entry.start.timeIntervalSince(origin) * 1e6, accuracy: 0.5)
      XCTAssertEqual(dur, entry.duration * 1e6, accuracy: 1)
    }
    XCTAssertEqual(complete.map { ($0["ts"] as? NSNumber)?.doubleValue ?? -1 }.min(), 0)
    let names = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
    XCTAssertEqual(
      Set(
        names.map { "\($0["tid"] as? Int ?? -1)=\(($0["args"] as? [String: Any])?["name"] as? String ?? "")" }
      ),
      ["0=engine 0", "1=engine 1", "2=engine 2", "3=engine 3"])
  }

  func testChromeTraceEscapesAndExactMicroseconds() throws {
    let timeline = Timeline(
      entries: [
        TimelineEntry(
          taskID: 9, function: "say \"hi\"\\\n\u{1}", engineID: 3, start: Self.t0 + 0.5,
          end: Self.t0 + 2.000_25)
      ],
      title: "quote \" title")
    let text = timeline.chromeTrace()
    XCTAssertTrue(text.contains(#""ts":0,"dur":1500250,"#), text)
    let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let events = try XCTUnwrap(json["traceEvents"] as? [[String: Any]])
    XCTAssertEqual(events.first { $0["ph"] as? String == "X" }?["name"] as? String, "say \"hi\"\\\n\u{1}")
    XCTAssertEqual((json["otherData"] as? [String: Any])?["title"] as? String, "quote \" title")
    XCTAssertEqual(Timeline.microseconds(0.000_001_6), 2)
    // An empty timeline is still a valid trace.
    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(Timeline(entries: []).chromeTrace().utf8)))
  }

  func testWritingFiles() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("timeline-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let timeline = Self.farm()
    let svgPath = directory.appendingPathComponent("t.svg").path
    let tracePath = directory.appendingPathComponent("t.json").path
    try timeline.writeSVG(to: svgPath)
    try timeline.writeChromeTrace(to: tracePath)
    XCTAssertEqual(try String(contentsOfFile: svgPath, encoding: .utf8), timeline.svg())
    XCTAssertEqual(try String(contentsOfFile: tracePath, encoding: .utf8), timeline.chromeTrace())

    let missing = directory.appendingPathComponent("no/such/dir/t.svg").path
    XCTAssertThrowsError(try timeline.writeSVG(to: missing)) { error in
      guard case .cannotWrite(let path, let reason) = error as? TimelineError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(path, missing)
      XCTAssertFalse(reason.isEmpty)
      XCTAssertTrue("\(error)".hasPrefix("cannot write timeline to \(missing): "), "\(error)")
    }
    XCTAssertThrowsError(try timeline.writeChromeTrace(to: directory.path)) { error in
      XCTAssertTrue("\(error)".contains(directory.path), "\(error)")
    }
  }

  // MARK: - Helpers

  private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }

  private struct Document {
    var elements: [String] = []
    var rootNamespace: String?
    var texts: [String] = []
    var taskRects = 0
  }

  private func parse(_ svg: String) throws -> Document {
    final class Delegate: NSObject, XMLParserDelegate {
      var document = Document()
      var text = ""
      func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
      ) {
        if document.elements.isEmpty { document.rootNamespace = attributeDict["xmlns"] }
        document.elements.append(elementName)
        if elementName == "rect", attributeDict["class"] == "task" { document.taskRects += 1 }
        text = ""
      }
      func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
      func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?
      ) {
        if elementName == "text" { document.texts.append(text) }
        text = ""
      }
    }
    let parser = XMLParser(data: Data(svg.utf8))
    let delegate = Delegate()
    parser.delegate = delegate
    guard parser.parse() else {
      throw NSError(
        domain: "TimelineTests", code: 1,
        userInfo: [
          NSLocalizedDescriptionKey:
            "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)"
        ])
    }
    return delegate.document
  }
}
