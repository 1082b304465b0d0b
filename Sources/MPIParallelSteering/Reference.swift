/// A namespace name passed in place of an argument: each engine substitutes
/// its own value (IPython's `Reference`). Travels as `{"$ref": "name"}`.
public struct Reference: Encodable, Sendable, Hashable {
  public let name: String
  public init(_ name: String) { self.name = name }
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(["$ref": name])
  }
}
