import Foundation

extension Timeline {
  /// The chart's geometry, in pixels.
  enum Layout {
    static let width = 1000.0
    static let left = 90.0
    static let right = 24.0
    static let top = 44.0
    static let rowHeight = 26.0
    static let barHeight = 18.0
    static let legendRowHeight = 20.0
    static var plotWidth: Double { width - left - right }
  }

  /// Tableau 10: distinct, colour-blind friendly, readable with white text.
  static let palette = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  ]

  /// A colour per function name that depends only on the set of names, not
  /// on the order of the entries: each name hashes (FNV-1a) to a slot of the
  /// palette, and a name whose slot is taken (names taken in sorted order)
  /// moves to the next free one. Past ten names colours repeat.
  static func colors(for functions: [String]) -> [String: String] {
    var colors: [String: String] = [:]
    var taken = Set<Int>()
    for name in Set(functions).sorted() {
      var slot = Int(fnv1a(name) % UInt64(palette.count))
      if taken.count < palette.count {
        while taken.contains(slot) { slot = (slot + 1) % palette.count }
      }
      taken.insert(slot)
      colors[name] = palette[slot]
    }
    return colors
  }

  static func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  /// Tick spacing of 1, 2 or 5 times a power of ten giving at most about 10
  /// ticks over `span` seconds, and the decimals its labels need.
  static func tickStep(span: Double) -> (step: Double, decimals: Int) {
    let raw = max(span, 1e-9) / 10
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
    return (step, max(0, Int(-floor(log10(step) + 1e-9))))
  }

  /// An SVG Gantt chart: one row per engine (labelled "engine N"), one bar
  /// per task with a tooltip (task id, function, duration), bars coloured by
  /// function with a legend, and a time axis in seconds from the first start.
  /// A standalone SVG 1.1 document about 1000 pixels wide.
  public func svg() -> String {
    typealias L = Layout
    let engines = engineIDs
    let rowOf = Dictionary(uniqueKeysWithValues: engines.enumerated().map { ($1, $0) })
    let origin = self.origin ?? Date(timeIntervalSince1970: 0)
    let span = self.span > 0 ? self.span : 1
    let scale = L.plotWidth / span
    let plotBottom = L.top + Double(max(engines.count, 1)) * L.rowHeight
    let axisY = plotBottom + 4
    let names = functions
    let colors = Self.colors(for: names)

    // The legend: swatch and name per function, wrapping at the right edge.
    var legend: [(x: Double, row: Int, name: String)] = []
    var x = L.left
    var row = 0
    for name in names {
      let itemWidth = 18 + Double(name.count) * 7 + 22
      if x + itemWidth > L.width - L.right, x > L.left {
        x = L.left
        row += 1
      }
      legend.append((x, row, name))
      x += itemWidth
    }
    let legendTop = axisY + 62
    let height = (legendTop + Double(names.isEmpty ? 0 : row + 1) * L.legendRowHeight + 8).rounded()

    var out = """
      <?xml version="1.0" encoding="UTF-8"?>
      <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(Int(L.width))" height="\(Int(height))" \
      viewBox="0 0 \(Int(L.width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
      <title>\(Self.escape(title))</title>
      <rect x="0" y="0" width="\(Int(L.width))" height="\(Int(height))" fill="#ffffff"/>
      <text x="\(Self.number(L.left))" y="26" font-size="16" font-weight="bold" fill="#222222">\
      \(Self.escape(title))</text>

      """
    let summary =
      "\(entries.count) task\(entries.count == 1 ? "" : "s") on \(engines.count) "
      + "engine\(engines.count == 1 ? "" : "s"), \(Self.seconds(self.span))"
    out +=
      "<text x=\"\(Self.number(L.width - L.right))\" y=\"26\" text-anchor=\"end\" fill=\"#555555\">"
      + "\(summary)</text>\n"

    // Rows: alternate shading and a label.
    out += "<g class=\"rows\">\n"
    for (index, engine) in engines.enumerated() {
      let y = L.top + Double(index) * L.rowHeight
      if index % 2 == 0 {
        out +=
          "<rect class=\"row\" x=\"\(Self.number(L.left))\" y=\"\(Self.number(y))\" "
          + "width=\"\(Self.number(L.plotWidth))\" height=\"\(Self.number(L.rowHeight))\" fill=\"#f3f3f3\"/>\n"
      }
      out +=
        "<text class=\"engine\" x=\"\(Self.number(L.left - 8))\" y=\"\(Self.number(y + L.rowHeight / 2 + 4))\" "
        + "text-anchor=\"end\" fill=\"#222222\">engine \(engine)</text>\n"
    }
    if engines.isEmpty {
      out +=
        "<text x=\"\(Self.number(L.left + L.plotWidth / 2))\" y=\"\(Self.number(L.top + 17))\" "
        + "text-anchor=\"middle\" fill=\"#777777\">no tasks</text>\n"
    }
    out += "</g>\n"

    // Axis: grid lines, ticks and labels in seconds from the first start.
    let (step, decimals) = Self.tickStep(span: span)
    out += "<g class=\"axis\" fill=\"#444444\" stroke=\"none\">\n"
    var tick = 0
    while Double(tick) * step <= span * (1 + 1e-9) {
      let seconds = Double(tick) * step
      let tx = Self.number(L.left + seconds * scale)
      out +=
        "<line x1=\"\(tx)\" y1=\"\(Self.number(L.top))\" x2=\"\(tx)\" y2=\"\(Self.number(plotBottom))\" "
        + "stroke=\"#dddddd\" stroke-width=\"1\"/>\n"
      out +=
        "<line x1=\"\(tx)\" y1=\"\(Self.number(axisY))\" x2=\"\(tx)\" y2=\"\(Self.number(axisY + 5))\" "
        + "stroke=\"#444444\" stroke-width=\"1\"/>\n"
      out +=
        "<text x=\"\(tx)\" y=\"\(Self.number(axisY + 18))\" text-anchor=\"middle\">"
        + "\(String(format: "%.\(decimals)f", seconds))</text>\n"
      tick += 1
    }
    out +=
      "<line x1=\"\(Self.number(L.left))\" y1=\"\(Self.number(axisY))\" "
      + "x2=\"\(Self.number(L.left + L.plotWidth))\" y2=\"\(Self.number(axisY))\" stroke=\"#444444\" "
      + "stroke-width=\"1\"/>\n"
    out +=
      "<text x=\"\(Self.number(L.left + L.plotWidth / 2))\" y=\"\(Self.number(axisY + 34))\" "
      + "text-anchor=\"middle\">seconds from the first start</text>\n"
    out += "</g>\n"

    // Bars, in start order, each with its tooltip.
    out += "<g class=\"tasks\">\n"
    let ordered = entries.sorted { ($0.start, $0.taskID) < ($1.start, $1.taskID) }
    for entry in ordered {
      guard let row = rowOf[entry.engineID] else { continue }
      let barX = L.left + entry.start.timeIntervalSince(origin) * scale
      var barWidth = max(entry.duration * scale, 1)
      if barWidth >= 4 { barWidth -= 1 }  // a hairline gap between back-to-back tasks
      let barY = L.top + Double(row) * L.rowHeight + (L.rowHeight - L.barHeight) / 2
      let color = colors[entry.function] ?? Self.palette[0]
      let tooltip =
        "task \(entry.taskID): \(entry.function) on engine \(entry.engineID), "
        + "\(Self.seconds(entry.duration)) (at \(Self.seconds(entry.start.timeIntervalSince(origin))))"
      out +=
        "<rect class=\"task\" x=\"\(Self.number(barX))\" y=\"\(Self.number(barY))\" "
        + "width=\"\(Self.number(barWidth))\" height=\"\(Self.number(L.barHeight))\" rx=\"2\" "
        + "fill=\"\(color)\"><title>\(Self.escape(tooltip))</title></rect>\n"
      let label = "\(entry.taskID)"
      if barWidth >= Double(label.count) * 7 + 6 {
        out +=
          "<text x=\"\(Self.number(barX + barWidth / 2))\" y=\"\(Self.number(barY + L.barHeight / 2 + 4))\" "
          + "text-anchor=\"middle\" font-size=\"11\" fill=\"\(Self.textColor(on: color))\" pointer-events=\"none\">"
          + "\(label)</text>\n"
      }
    }
    out += "</g>\n"

    // Legend.
    out += "<g class=\"legend\">\n"
    for item in legend {
      let y = legendTop + Double(item.row) * L.legendRowHeight
      out +=
        "<rect class=\"swatch\" x=\"\(Self.number(item.x))\" y=\"\(Self.number(y - 10))\" width=\"12\" "
        + "height=\"12\" rx=\"2\" fill=\"\(colors[item.name] ?? Self.palette[0])\"/>\n"
      out +=
        "<text x=\"\(Self.number(item.x + 18))\" y=\"\(Self.number(y))\" fill=\"#222222\">"
        + "\(Self.escape(item.name))</text>\n"
    }
    out += "</g>\n</svg>\n"
    return out
  }

  /// Dark text on light fills, white on dark ones (by perceived brightness).
  static func textColor(on fill: String) -> String {
    guard fill.count == 7, let rgb = Int(fill.dropFirst(), radix: 16) else { return "#ffffff" }
    let brightness = 0.299 * Double(rgb >> 16) + 0.587 * Double(rgb >> 8 & 0xff) + 0.114 * Double(rgb & 0xff)
    return brightness > 150 ? "#222222" : "#ffffff"
  }

  /// `text` with the five XML special characters escaped.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default:
        // Control characters other than tab and newlines are not allowed in XML 1.0.
        if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
          scalar.value < 0x20, scalar != "\t", scalar != "\n", scalar != "\r"
        {
          out += "?"
        } else {
          out.append(character)
        }
      }
    }
    return out
  }

  /// A coordinate with at most two decimals and no trailing zeros.
  static func number(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    var text = String(format: "%.2f", rounded)
    while text.hasSuffix("0") { text.removeLast() }
    return text
  }

  /// A duration for people: "0.012 s", "1.50 s", "2 min 3.0 s".
  static func seconds(_ value: Double) -> String {
    if value < 1 { return String(format: "%.3f s", value) }
    if value < 60 { return String(format: "%.2f s", value) }
    let minutes = Int(value / 60)
    return String(format: "%d min %.1f s", minutes, value - Double(minutes) * 60)
  }
}
