/// The shared state of one encoding run: the output buffer and the stack of
/// open containers.
///
/// Everything is written straight into one buffer. Counts and keyed-entry
/// lengths are written as placeholders and patched once known. Codable lets a
/// container hand out nested containers and super encoders that are written
/// to *later*, so each open container ("frame", a `WireEncoder` that asked
/// for a keyed or unkeyed container) sits on `stack`, and each entry/element
/// being written is an open "slot" of its frame, named by a token. Writing to
/// a frame first closes every frame above it (patching their counts and
/// lengths) and its own open slot. Writing to a container or encoder whose
/// slot was already closed (i.e. interleaving writes to a parent and a
/// previously obtained nested container) throws ``WireError/unsupported(_:)``:
/// the format is written in one pass.
final class WireEncodingState {
  var writer = WireWriter(reservingCapacity: 0)
  /// Open frames, innermost last. Cleared when the run ends (breaks the
  /// encoder -> state -> stack reference cycle).
  private var stack: [WireEncoder] = []
  private var tokenCounter = 0
  /// Misuse detected in a non-throwing Codable API (e.g. `container(keyedBy:)`),
  /// thrown when the run ends.
  private(set) var deferredError: Error?

  /// Records an error from a non-throwing entry point.
  func fail(_ error: Error) {
    if deferredError == nil { deferredError = error }
  }

  /// Encodes `value` as the whole message, then closes all frames.
  func encodeTopLevel<T: Encodable>(_ value: T) throws {
    defer { stack.removeAll() }
    try encodeValue(value, owner: nil, token: 0, key: nil)
    while let top = stack.popLast() { try close(top) }
    if let deferredError { throw deferredError }
  }

  /// Writes `value` into the slot `token` of `owner` (nil: top level).
  func encodeValue<T: Encodable>(_ value: T, owner: WireEncoder?, token: Int, key: (any CodingKey)?) throws {
    if Self.writePrimitive(value, to: &writer) { return }
    if let special = T.self as? any WireEncodableSpecial.Type {
      try special.wireEncode(value, state: self, owner: owner, token: token, key: key)
      return
    }
    try value.encode(to: WireEncoder(state: self, owner: owner, token: token, key: key))
  }

  /// Writes `value` directly if `T` is a number, `Bool` or `String` and
  /// returns true; otherwise writes nothing and returns false. Costs a few
  /// metatype comparisons (constant-folded when specialized), no casts.
  @inline(__always)
  static func writePrimitive<T>(_ value: T, to writer: inout WireWriter) -> Bool {
    if T.self == Int.self {
      writer.write(wireIdentityCast(value, to: Int.self))
      return true
    }
    if T.self == Double.self {
      writer.write(wireIdentityCast(value, to: Double.self))
      return true
    }
    if T.self == String.self {
      writer.write(wireIdentityCast(value, to: String.self))
      return true
    }
    if T.self == Bool.self {
      writer.write(wireIdentityCast(value, to: Bool.self))
      return true
    }
    if T.self == Float.self {
      writer.write(wireIdentityCast(value, to: Float.self))
      return true
    }
    if T.self == Int64.self {
      writer.write(wireIdentityCast(value, to: Int64.self))
      return true
    }
    if T.self == Int32.self {
      writer.write(wireIdentityCast(value, to: Int32.self))
      return true
    }
    if T.self == UInt8.self {
      writer.write(wireIdentityCast(value, to: UInt8.self))
      return true
    }
    if T.self == UInt64.self {
      writer.write(wireIdentityCast(value, to: UInt64.self))
      return true
    }
    if T.self == UInt32.self {
      writer.write(wireIdentityCast(value, to: UInt32.self))
      return true
    }
    if T.self == UInt.self {
      writer.write(wireIdentityCast(value, to: UInt.self))
      return true
    }
    if T.self == Int16.self {
      writer.write(wireIdentityCast(value, to: Int16.self))
      return true
    }
    if T.self == UInt16.self {
      writer.write(wireIdentityCast(value, to: UInt16.self))
      return true
    }
    if T.self == Int8.self {
      writer.write(wireIdentityCast(value, to: Int8.self))
      return true
    }
    return false
  }

  // MARK: Frames and slots

  private func nextToken() -> Int {
    tokenCounter &+= 1
    return tokenCounter
  }

  /// Makes `encoder` a frame of `kind`: checks its slot is still open, writes
  /// the count placeholder and pushes it.
  func beginFrame(_ encoder: WireEncoder, kind: WireEncoder.Kind) throws {
    try enterSlot(owner: encoder.owner, token: encoder.token)
    encoder.kind = kind
    encoder.countPosition = writer.count
    if kind == .keyed { writer.write(UInt32(0)) } else { writer.write(UInt64(0)) }
    stack.append(encoder)
  }

  /// Checks that slot `token` of `owner` is still open and closes the frames
  /// nested above `owner`, so that writing continues inside that slot.
  func enterSlot(owner: WireEncoder?, token: Int) throws {
    if let owner {
      guard !owner.closed, owner.slotToken == token else {
        throw WireError.unsupported(
          "an encoder or container was written to after its enclosing container moved on to another "
            + "entry (at \(WireCodingKey.describe(owner.codingPath))); the wire format is written in one pass"
        )
      }
      while let top = stack.last, top !== owner {
        try close(top)
        stack.removeLast()
      }
    } else {
      while let top = stack.popLast() { try close(top) }
    }
  }

  /// Prepares `frame` for its next entry/element: closes everything nested
  /// in its previous one.
  func activate(_ frame: WireEncoder) throws {
    guard !frame.closed else {
      throw WireError.unsupported(
        "a container was written to after it was finished (at \(WireCodingKey.describe(frame.codingPath))); "
          + "the wire format is written in one pass")
    }
    if stack.last !== frame {
      while let top = stack.last, top !== frame {
        try close(top)
        stack.removeLast()
      }
    }
    closeSlot(frame)
  }

  private func closeSlot(_ frame: WireEncoder) {
    guard frame.slotToken >= 0 else { return }
    if frame.kind == .keyed {
      let valueStart = frame.slotLengthPosition + 8
      writer.patch(UInt64(writer.count - valueStart), at: frame.slotLengthPosition)
    }
    frame.slotToken = -1
  }

  private func close(_ frame: WireEncoder) throws {
    closeSlot(frame)
    frame.closed = true
    if frame.kind == .keyed {
      guard frame.count <= Int(UInt32.max) else {
        throw WireError.unsupported("keyed container with \(frame.count) entries (more than UInt32.max)")
      }
      writer.patch(UInt32(frame.count), at: frame.countPosition)
    } else {
      writer.patch(UInt64(frame.count), at: frame.countPosition)
    }
  }

  /// Starts entry `key` of keyed frame `frame`; returns the slot's token.
  func beginEntry(_ frame: WireEncoder, key: String) throws -> Int {
    try activate(frame)
    writer.write(key)
    frame.slotLengthPosition = writer.count
    writer.write(UInt64(0))
    frame.count += 1
    let token = nextToken()
    frame.slotToken = token
    return token
  }

  /// Starts the next element of unkeyed frame `frame`; returns the slot's token.
  func beginElement(_ frame: WireEncoder) throws -> Int {
    try activate(frame)
    frame.count += 1
    let token = nextToken()
    frame.slotToken = token
    return token
  }

  /// Writes one complete keyed entry.
  func encodeEntry<T: Encodable>(_ value: T, key: any CodingKey, in frame: WireEncoder) throws {
    let token = try beginEntry(frame, key: key.stringValue)
    try encodeValue(value, owner: frame, token: token, key: key)
    try activate(frame)
  }

  /// Writes one complete unkeyed element.
  func encodeElement<T: Encodable>(_ value: T, in frame: WireEncoder) throws {
    let token = try beginElement(frame)
    if Self.writePrimitive(value, to: &writer) { return }
    try encodeValue(value, owner: frame, token: token, key: WireCodingKey(index: frame.count - 1))
    try activate(frame)
  }
}
