/// Coding keys the wire encoder and decoder make up themselves: array
/// indices in coding paths and the `"super"` key of `superEncoder()`.
struct WireCodingKey: CodingKey {
  let stringValue: String
  let intValue: Int?

  init(stringValue: String) {
    self.stringValue = stringValue
    self.intValue = nil
  }

  init(intValue: Int) {
    self.stringValue = String(intValue)
    self.intValue = intValue
  }

  /// An array index, shown as `[i]` in coding paths.
  init(index: Int) { self.init(intValue: index) }

  /// The key `superEncoder()`/`superDecoder()` use.
  static let superKey = WireCodingKey(stringValue: "super")

  /// A coding path as text, e.g. `"points[3].x"` (empty for the top level).
  static func describe(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
      if key is WireCodingKey, let index = key.intValue {
        text += "[\(index)]"
      } else {
        if !text.isEmpty { text += "." }
        text += key.stringValue
      }
    }
    return text
  }
}
