import MPI

/// How the hub and the engines size their messages on their channel (a
/// duplicate of world, see `Engine.channel`). Each side keeps a receive
/// posted per peer (`ReceiveSlots`) into a buffer of a fixed size: a message
/// that fits travels whole; a larger one is announced first (tag
/// `MessageTag.large`: its own tag and size), then sent with
/// `MessageTag.largePayload`, which the receiver takes at once, before it
/// posts its next receive for that sender, so every message of a sender is
/// still taken in order.
enum Framing {
  /// The largest request an engine takes whole (the hub's requests to it).
  static let engineSlotBytes = 64 << 10
  /// The largest reply the hub takes whole, per engine.
  static let hubSlotBytes = 16 << 10

  /// The announcement of a `byteCount`-byte message with `tag`.
  static func announcement(tag: Int, byteCount: Int) -> [UInt8] {
    var writer = WireWriter(reservingCapacity: 12)
    writer.write(UInt32(tag))
    writer.write(UInt64(byteCount))
    return writer.bytes
  }

  /// Sends `bytes` with `tag` to `destination`, whose posted receives take
  /// at most `limit` bytes; returns once the message is out.
  static func send(
    _ bytes: [UInt8], from start: Int = 0, to destination: Int, tag: Int, limit: Int,
    on communicator: Communicator
  ) throws {
    try bytes.withUnsafeBytes { all in
      let message = UnsafeRawBufferPointer(rebasing: all[start...])
      guard message.count > limit else { return try communicator.send(message, to: destination, tag: tag) }
      try sendLarge(message, to: destination, tag: tag, on: communicator)
    }
  }

  /// Announces a large message, then sends it. A message of `pollingBytes`
  /// or more waits for its receiver to copy it for a while (the hub takes
  /// one engine's large reply at a time), and `MPI_Send` would spin a core
  /// for all that time; its send is tested under the idle policy
  /// (`Backoff`) instead, so that a waiting sender yields the core to the
  /// receiver that copies.
  @inline(never)
  private static func sendLarge(
    _ message: UnsafeRawBufferPointer, to destination: Int, tag: Int, on communicator: Communicator
  ) throws {
    try communicator.send(
      announcement(tag: tag, byteCount: message.count), to: destination, tag: MessageTag.large)
    guard message.count >= pollingBytes else {
      return try communicator.send(message, to: destination, tag: MessageTag.largePayload)
    }
    guard
      let request = try communicator.isendUnlessDone(message, to: destination, tag: MessageTag.largePayload)
    else { return }
    var backoff = Backoff(now: MonotonicClock.now())
    while try !request.test() { backoff.pause() }
  }

  /// The smallest message whose send waits under the idle policy.
  static let pollingBytes = 1 << 20

  /// A message to keep after the next one is taken into the same buffer:
  /// `bytes` itself (its storage then goes to the keeper, and the next
  /// message copies on write), or an exact copy when that storage is much
  /// larger than the message (a buffer sized by an earlier, longer one), so
  /// that what is kept holds little more than its bytes. A large message's
  /// storage exceeds it by the allocator's rounding (a page or so), which
  /// is kept rather than paid for with a copy of the whole message.
  static func kept(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.capacity - bytes.count > Swift.max(64, bytes.count / 16) else { return bytes }
    return bytes.withUnsafeBufferPointer { source in
      [UInt8](unsafeUninitializedCapacity: source.count) { buffer, initialized in
        if let base = source.baseAddress { buffer.baseAddress!.update(from: base, count: source.count) }
        initialized = source.count
      }
    }
  }

  /// The message an arrival in `slots` brought, copied into `buffer`: a
  /// small message's bytes, or for an announcement the large message it
  /// announced (received now, blocking until it is in: before the next poll
  /// of `slots` posts the sender's receive again). The buffer's storage is
  /// reused when nothing else holds it (no allocation per message, which
  /// costs far more than the copy): a message as long as the last one,
  /// the steady state of a farm and of a round trip, is one `memcpy` over
  /// it. A buffer something else still holds (a reply kept whole) is
  /// copied first, as any array shared and then changed. Returns the
  /// message's tag.
  static func take(
    _ arrival: ReceiveSlots.Arrival, from slots: ReceiveSlots, on communicator: Communicator,
    into buffer: inout [UInt8]
  ) throws -> Int {
    let slot = slots.bytes(of: arrival)
    if buffer.count == slot.count {
      buffer.withUnsafeMutableBytes { $0.copyMemory(from: slot) }
    } else {
      buffer.removeAll(keepingCapacity: true)
      buffer.append(contentsOf: slot.assumingMemoryBound(to: UInt8.self))
    }
    guard arrival.tag == MessageTag.large else { return arrival.tag }
    let tag: Int
    (tag, buffer) = try takeAnnounced(buffer, from: arrival.source, on: communicator)
    return tag
  }

  /// The large message that the announcement in `bytes` (see
  /// `announcement`) stands for, received now, blocking until it is in.
  private static func takeAnnounced(_ bytes: [UInt8], from source: Int, on communicator: Communicator) throws
    -> (tag: Int, bytes: [UInt8])
  {
    var reader = WireReader(bytes)
    let tag = Int(try reader.read(UInt32.self))
    let byteCount = Int(try reader.read(UInt64.self))
    let message = try communicator.waitForMessage(from: source, tag: MessageTag.largePayload)
    guard message.byteCount == byteCount else {
      throw EngineError.malformedMessage(
        "rank \(source) announced \(byteCount) bytes and sent \(message.byteCount)")
    }
    return (tag, try message.receive())
  }
}
