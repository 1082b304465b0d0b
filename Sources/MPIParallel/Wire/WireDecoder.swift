/// The `Decoder` handed to `init(from:)` of non-primitive values.
///
/// It reads from its own copy of the position (`reader`); the containers it
/// gives out advance that position, and whoever created the decoder moves on
/// to ``endOffset()`` afterwards. The message bytes are shared, never copied.
final class WireDecoder: Decoder {
  var reader: WireReader
  let parent: WireDecoder?
  let key: (any CodingKey)?
  let depth: Int

  /// The parsed keyed container, if one was asked for (asking again reuses it).
  private var keyedTable: WireKeyedTable?
  /// Where the unkeyed container's elements start and how many there are.
  private var unkeyedHeader: (count: Int, start: Int)?
  /// A decoder for a nested unkeyed container or super decoder handed out by
  /// one of this decoder's unkeyed containers; its elements are read later,
  /// so this decoder's position catches up with it lazily (``sync()``).
  /// Not retained (the child retains its parent): a child that goes away
  /// first leaves its end in `pendingEnd` (see `deinit`).
  private unowned(unsafe) var pendingChild: WireDecoder?
  private var pendingEnd: Int?
  /// Whether this decoder is its parent's `pendingChild`.
  private var isPendingChild = false

  init(reader: WireReader, parent: WireDecoder?, key: (any CodingKey)?) throws {
    self.reader = reader
    self.parent = parent
    self.key = key
    self.depth = (parent?.depth ?? 0) + 1
    guard depth <= WireDecoding.maxDepth else {
      throw WireError.unsupported("values nested more than \(WireDecoding.maxDepth) levels deep")
    }
  }

  var codingPath: [any CodingKey] {
    var path = parent?.codingPath ?? []
    if let key { path.append(key) }
    return path
  }

  var userInfo: [CodingUserInfoKey: Any] { [:] }

  deinit {
    if isPendingChild, let parent {
      parent.pendingChild = nil
      parent.pendingEnd = endOffset()
    }
  }

  /// Makes `child` (reading from this decoder's position) the decoder whose
  /// end this decoder's position jumps to before its next read.
  func setPendingChild(_ child: WireDecoder) {
    sync()
    child.isPendingChild = true
    pendingChild = child
  }

  /// Catches up with a pending nested decoder (see ``pendingChild``).
  func sync() {
    if let child = pendingChild {
      pendingChild = nil
      child.isPendingChild = false
      reader.seek(to: child.endOffset())
    } else if let end = pendingEnd {
      pendingEnd = nil
      reader.seek(to: end)
    }
  }

  /// Where the value this decoder read ends.
  func endOffset() -> Int {
    sync()
    return reader.offset
  }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    if keyedTable == nil {
      sync()
      keyedTable = try WireKeyedTable(reading: &reader)
    }
    return KeyedDecodingContainer(WireKeyedDecodingContainer<Key>(decoder: self, table: keyedTable!))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    sync()
    if let header = unkeyedHeader {
      reader.seek(to: header.start)
      return WireUnkeyedDecodingContainer(decoder: self, elementCount: header.count)
    }
    // Every element takes at least one byte (see WireReader.readLength).
    let count = try reader.readLength(elementSize: 1)
    unkeyedHeader = (count, reader.offset)
    return WireUnkeyedDecodingContainer(decoder: self, elementCount: count)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    sync()
    return WireSingleValueDecodingContainer(decoder: self)
  }
}
