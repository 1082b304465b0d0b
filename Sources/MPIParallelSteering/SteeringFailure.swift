/// An error the backend throws to give the client a reply of this kind and message.
public struct SteeringFailure: Error, Sendable, CustomStringConvertible {
  public var kind: String
  public var message: String
  public init(_ kind: String, _ message: String) {
    self.kind = kind
    self.message = message
  }
  public var description: String { "\(kind): \(message)" }
}
