import Foundation

extension Timeline {
  /// Chrome trace-event JSON, for Perfetto (ui.perfetto.dev) and
  /// chrome://tracing: an object whose "traceEvents" array holds one complete
  /// event (ph "X") per task, with pid 0, tid the engine id, name the
  /// function, args {"taskID": id}, ts and dur in whole microseconds (ts
  /// counted from the first start), plus metadata events naming the process after
  /// the title and each row "engine N". "otherData" records the title and
  /// the wall-clock time of the first start (ISO 8601).
  public func chromeTrace() -> String {
    let origin = self.origin ?? Date(timeIntervalSince1970: 0)
    var events: [String] = []
    events.append(
      #"{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":\#(Self.jsonString(title))}}"#)
    for engine in engineIDs {
      events.append(
        #"{"name":"thread_name","ph":"M","pid":0,"tid":\#(engine),"args":{"name":"engine \#(engine)"}}"#)
      events.append(
        #"{"name":"thread_sort_index","ph":"M","pid":0,"tid":\#(engine),"args":{"sort_index":\#(engine)}}"#)
    }
    let ordered = entries.sorted { ($0.start, $0.taskID) < ($1.start, $1.taskID) }
    for entry in ordered {
      // Whole microseconds (a Date near today resolves about a quarter of
      // one), start and end rounded alike so back-to-back tasks stay so.
      let ts = Self.microseconds(entry.start.timeIntervalSince(origin))
      let dur = max(0, Self.microseconds(entry.end.timeIntervalSince(origin)) - ts)
      events.append(
        #"{"name":\#(Self.jsonString(entry.function)),"cat":"task","ph":"X","pid":0,"tid":\#(entry.engineID),"#
          + #""ts":\#(ts),"dur":\#(dur),"args":{"taskID":\#(entry.taskID)}}"#)
    }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let start = entries.isEmpty ? "null" : Self.jsonString(formatter.string(from: origin))
    return """
      {"displayTimeUnit":"ms","otherData":{"title":\(Self.jsonString(title)),"start":\(start)},"traceEvents":[
      \(events.joined(separator: ",\n"))
      ]}

      """
  }

  /// Seconds as whole microseconds.
  static func microseconds(_ seconds: Double) -> Int64 {
    Int64((seconds * 1e6).rounded())
  }

  /// `text` as a JSON string literal.
  static func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          out += String(format: "\\u%04x", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
