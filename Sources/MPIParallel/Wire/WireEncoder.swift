/// The `Encoder` handed to `encode(to:)` of non-primitive values.
///
/// One `WireEncoder` is made per composite value. It writes into a slot of
/// its `owner` frame (see ``WireEncodingState``); once it hands out a keyed
/// or unkeyed container it becomes a frame itself. Asking again for the same
/// kind of container returns a container over the same entries (so a
/// subclass and its superclass may share one keyed container); asking for a
/// different kind is reported as ``WireError/unsupported(_:)`` when the
/// encoding ends.
final class WireEncoder: Encoder {
  enum Kind { case none, keyed, unkeyed, single }

  let state: WireEncodingState
  /// The frame whose slot this encoder writes into (nil: the top level).
  let owner: WireEncoder?
  /// The slot of `owner` this encoder writes into.
  let token: Int
  let key: (any CodingKey)?

  var kind = Kind.none
  /// Frame state: where the count placeholder is and how many entries so far.
  var countPosition = 0
  var count = 0
  /// Keyed frames: where the open entry's length placeholder is.
  var slotLengthPosition = 0
  /// The open slot's token, -1 when none is open.
  var slotToken = -1
  /// Whether the frame has been finished (count patched).
  var closed = false
  /// Single value containers: whether a value was written.
  var wroteSingleValue = false

  init(state: WireEncodingState, owner: WireEncoder?, token: Int, key: (any CodingKey)?) {
    self.state = state
    self.owner = owner
    self.token = token
    self.key = key
  }

  var codingPath: [any CodingKey] {
    var path = owner?.codingPath ?? []
    if let key { path.append(key) }
    return path
  }

  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
    request(.keyed)
    return KeyedEncodingContainer(WireKeyedEncodingContainer<Key>(encoder: self))
  }

  func unkeyedContainer() -> any UnkeyedEncodingContainer {
    request(.unkeyed)
    return WireUnkeyedEncodingContainer(encoder: self)
  }

  func singleValueContainer() -> any SingleValueEncodingContainer {
    request(.single)
    return WireSingleValueEncodingContainer(encoder: self)
  }

  private func request(_ wanted: Kind) {
    if kind == wanted { return }
    guard kind == .none else {
      state.fail(
        WireError.unsupported(
          "asked for a \(wanted) container after a \(kind) container from the same encoder "
            + "(at \(WireCodingKey.describe(codingPath)))"))
      kind = wanted
      closed = true
      return
    }
    do {
      if wanted == .single {
        try state.enterSlot(owner: owner, token: token)
        kind = .single
      } else {
        try state.beginFrame(self, kind: wanted)
      }
    } catch {
      state.fail(error)
      kind = wanted
      closed = true
    }
  }
}
