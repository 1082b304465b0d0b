/// Where the hub decodes a result's successful replies as they arrive
/// (hub side of `TypedReplies`; the hub knows no element type).
protocol ReplySink: AnyObject, Sendable {
  /// Decodes the values of the successful reply `reply` for
  /// `items` into typed storage; false when they cannot be read as the
  /// element type or their count is not `items.count` (the reply is then
  /// kept whole, and reading it later reports why).
  func store(reply: [UInt8], items: Range<Int>) -> Bool
}

/// A map's values of a trivially copyable type (numbers, and structs of
/// them), decoded by the hub the moment each reply arrives, into one block
/// with a place per item. The reply itself is then not kept: no array per
/// task, no second pass over the replies when the values are read, and a
/// few bytes per item where a kept reply took a heap block each.
///
/// The hub writes the items of a slot before it completes that slot (under
/// the result's lock); a reader reads them only after seeing the slot
/// complete (under the same lock), so the two never overlap.
@usableFromInline
// Safe: a slot's items are written before it completes, and read after, both under the result's lock.
final class TypedReplies<Element>: ReplySink, @unchecked Sendable {
  /// Item `i`'s value, initialized once its slot completed as `.decoded`.
  private let storage: UnsafeMutablePointer<Element>
  /// Number of items.
  let count: Int
  /// Whether a reply holds a count, then the values (a chunk's), or one value.
  private let batch: Bool
  /// Reads one value.
  private let decode: (inout WireReader) throws -> Element
  /// Whether a value travels as its own memory (a `WireScalar` on a
  /// little-endian host): a reply's values are then one copy into place.
  private let travelsAsMemory: Bool

  /// Storage for `count` items; nil for a type that is not trivially copyable
  /// (its replies are kept whole and decoded when read).
  private init?(count: Int, batch: Bool, decode: @escaping (inout WireReader) throws -> Element) {
    guard _isPOD(Element.self), count > 0 else { return nil }
    self.count = count
    self.batch = batch
    self.decode = decode
    #if _endian(little)
      travelsAsMemory = Element.self is any WireScalar.Type
    #else
      travelsAsMemory = false
    #endif
    storage = .allocate(capacity: count)
  }

  // Trivially copyable: nothing to deinitialize.
  deinit { storage.deallocate() }

  func store(reply: [UInt8], items: Range<Int>) -> Bool {
    precondition(items.lowerBound >= 0 && items.upperBound <= count, "TypedReplies: items out of range")
    if travelsAsMemory { return copy(reply: reply, items: items) }
    do {
      var reader = try EngineReply.payloadReader(of: reply)
      let values = batch ? Int(try reader.read(UInt32.self)) : 1
      guard values == items.count else { return false }
      for item in items { (storage + item).initialize(to: try decode(&reader)) }
      return true
    } catch {
      return false
    }
  }

  /// `store` for values that travel as their own memory: the count (of a
  /// chunk's reply) is checked, then the values are copied into place.
  /// (Decoding them one by one through the reader cost about 220
  /// instructions per `Int` here, under callgrind.)
  private func copy(reply: [UInt8], items: Range<Int>) -> Bool {
    reply.withUnsafeBytes { bytes in
      var offset = EngineReply.headerSize
      if batch {
        guard bytes.count >= offset + 4,
          Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            == items.count
        else { return false }
        offset += 4
      } else if items.count != 1 {
        return false
      }
      let byteCount = items.count * MemoryLayout<Element>.stride
      guard bytes.count - offset >= byteCount, let base = bytes.baseAddress else { return false }
      UnsafeMutableRawPointer(storage + items.lowerBound).copyMemory(
        from: base + offset, byteCount: byteCount)
      return true
    }
  }

  /// The values of `items`, all of whose slots completed as `.decoded`.
  func values(_ items: Range<Int>) -> UnsafeBufferPointer<Element> {
    precondition(items.lowerBound >= 0 && items.upperBound <= count, "TypedReplies: items out of range")
    return UnsafeBufferPointer(start: storage + items.lowerBound, count: items.count)
  }
}

extension TypedReplies where Element: Decodable {
  /// Storage for `count` items of a map (`batch`: its replies hold a count
  /// first); nil for a type that is not trivially copyable.
  convenience init?(count: Int, batch: Bool) {
    self.init(count: count, batch: batch) { try $0.decode(Element.self) }
  }
}
