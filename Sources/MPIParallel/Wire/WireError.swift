/// What went wrong reading or writing the wire format.
///
/// Every case says where (a byte offset into the message) and what was
/// expected. Errors raised while decoding a value are wrapped once, at the
/// innermost value being decoded, in ``context(type:codingPath:underlying:)``
/// so that the message names the type (`Wire.typeName`) and the coding path;
/// use ``root`` to get at the underlying case.
enum WireError: Error, CustomStringConvertible, Equatable {
  /// A read needed `needed` bytes at `offset` but only `available` were left.
  case truncated(needed: Int, available: Int, offset: Int)
  /// A whole-buffer decode of `type` finished with `count` bytes unread.
  case trailingBytes(count: Int, type: String)
  /// A string starting at `offset` is not valid UTF-8.
  case invalidUTF8(offset: Int)
  /// A byte pattern that is not a valid value (e.g. a Bool byte other than 0/1).
  case invalidValue(String, offset: Int)
  /// A Codable feature this format cannot represent, or misuse of the encoder.
  case unsupported(String)
  /// A keyed container (struct, enum, String/Int-keyed dictionary) starting at
  /// `offset` has no entry for the key.
  case keyNotFound(String, offset: Int)
  /// `underlying` happened while decoding a value of type `type` (its
  /// `Wire.typeName`) at `codingPath` (e.g. `"points[3].x"`, empty at the top).
  indirect case context(type: String, codingPath: String, underlying: WireError)

  /// The error without any ``context(type:codingPath:underlying:)`` wrapping.
  var root: WireError {
    if case .context(_, _, let underlying) = self { return underlying.root }
    return self
  }

  /// The byte offset the error refers to, where it has one.
  var offset: Int? {
    switch self {
    case .truncated(_, _, let offset), .invalidUTF8(let offset), .invalidValue(_, let offset),
      .keyNotFound(_, let offset):
      return offset
    case .trailingBytes, .unsupported:
      return nil
    case .context(_, _, let underlying):
      return underlying.offset
    }
  }

  /// Wraps `self` with the type being decoded, unless it is already wrapped
  /// (the innermost type wins).
  func inContext(type: String, codingPath: @autoclosure () -> String) -> WireError {
    if case .context = self { return self }
    return .context(type: type, codingPath: codingPath(), underlying: self)
  }

  var description: String {
    switch self {
    case .truncated(let needed, let available, let offset):
      return
        "wire data truncated at byte offset \(offset): needed \(needed) bytes, only \(available) available"
    case .trailingBytes(let count, let type):
      return "decoding \(type) left \(count) trailing bytes unread"
    case .invalidUTF8(let offset):
      return "invalid UTF-8 in string at byte offset \(offset)"
    case .invalidValue(let what, let offset):
      return "invalid value at byte offset \(offset): \(what)"
    case .unsupported(let what):
      return "unsupported by the wire format: \(what)"
    case .keyNotFound(let key, let offset):
      return "key \"\(key)\" not found in keyed container at byte offset \(offset)"
    case .context(let type, let codingPath, let underlying):
      let at = codingPath.isEmpty ? "" : " at \(codingPath)"
      return "while decoding \(type)\(at): \(underlying)"
    }
  }
}
