import CMPI

/// Receives posted ahead of their messages: one per source, each into a
/// buffer of its own (a persistent receive with any tag, `MPI_Recv_init`,
/// started again for each message with `MPI_Start`: no request made and
/// freed per message, as `MPI_Irecv` does). A message that finds its
/// receive posted lands in that buffer as it arrives; polling for it is one
/// `MPI_Test` (or `MPI_Testsome` over several sources), which costs far
/// less than a probe that matches nothing.
///
/// A message larger than `capacity` is an error for the receive that
/// matches it (`MPI_ERR_TRUNCATE`): senders split larger messages. An
/// arrival's bytes stay valid until the next call of `next()`, which posts
/// its slot's receive again first; the source's next message waits in MPI
/// until then, so each source's messages are taken in the order they were
/// sent, and a caller that must receive something else from that source
/// first (the rest of a split message) does so before it calls `next()`.
/// The repost is thus left to the next poll, off the path from one message
/// to the answer it prompts. Call `cancel()` before `MPI.finalize`. One
/// thread at a time uses the slots.
// Safe: one thread at a time uses the slots and their MPI requests; the caller's lock orders the uses.
public final class ReceiveSlots: @unchecked Sendable {
  /// A message that arrived in a slot (its bytes stay valid until the next `next()`).
  public struct Arrival: Sendable {
    /// The slot's index (the position of its source in `sources`).
    public let slot: Int
    /// The sender's rank in the communicator.
    public let source: Int
    public let tag: Int
    public let byteCount: Int
  }

  /// The rank each slot receives from.
  public let sources: [Int]
  /// The largest message a slot takes, in bytes.
  public let capacity: Int
  private let buffers: UnsafeMutableRawPointer
  /// One MPI request per slot, contiguous (as `MPI_Testsome` reads them).
  private let requests: UnsafeMutablePointer<MPI_Request?>
  private let statuses: UnsafeMutablePointer<MPI_Status>
  private let indices: UnsafeMutablePointer<Int32>
  /// Slots whose messages arrived and have not been handed out yet, in
  /// order (one `MPI_Testsome` can complete several; they are handed out
  /// one by one before the next test, so no source waits behind a busier one).
  /// (Its first `readyCount` entries; written over from one test to the
  /// next: emptying the array goes through `replaceSubrange` each time.)
  // Safe: these four are touched only by the one thread using the slots (see the type).
  @exclusivity(unchecked) private var ready: [Arrival] = []
  @exclusivity(unchecked) private var readyCount = 0
  @exclusivity(unchecked) private var readyHead = 0
  @exclusivity(unchecked) private var posted: [Bool]
  /// The slot of the arrival handed out last, to post again at the next poll (-1: none).
  // Safe: these two as well: only the one thread using the slots touches them.
  @exclusivity(unchecked) private var handedOut = -1
  @exclusivity(unchecked) private var cancelled = false

  /// Posts one receive from each of `sources` (ranks in `communicator`).
  public init(communicator: Communicator, sources: [Int], capacity: Int) throws {
    precondition(!sources.isEmpty && capacity > 0, "ReceiveSlots needs a source and a capacity")
    self.sources = sources
    self.capacity = capacity
    buffers = .allocate(byteCount: sources.count * capacity, alignment: 16)
    requests = .allocate(capacity: sources.count)
    requests.initialize(repeating: cmpi_request_null(), count: sources.count)
    statuses = .allocate(capacity: sources.count)
    statuses.initialize(repeating: MPI_Status(), count: sources.count)
    indices = .allocate(capacity: sources.count)
    indices.initialize(repeating: 0, count: sources.count)
    posted = Array(repeating: false, count: sources.count)
    ready.reserveCapacity(sources.count)
    let comm = try communicator.live("MPI_Recv_init")
    for slot in sources.indices {
      try check(
        MPI_Recv_init(
          buffers + slot * capacity, Int32(capacity), cmpi_byte(), Int32(sources[slot]), cmpi_any_tag(), comm,
          requests + slot),
        "MPI_Recv_init (posted receive)")
    }
    for slot in sources.indices { try post(slot) }
  }

  deinit {
    // A receive still posted may yet be written by MPI: its memory is kept (see `cancel`).
    guard !posted.contains(true) else { return }
    buffers.deallocate()
    requests.deallocate()
    statuses.deallocate()
    indices.deallocate()
  }

  /// The next message that arrived, or nil when none has; first posts the
  /// receive of the last arrival's slot again (its bytes are then gone).
  public func next() throws -> Arrival? {
    if handedOut >= 0 {
      let slot = handedOut
      handedOut = -1
      try post(slot)
    }
    if readyHead < readyCount {
      defer { readyHead += 1 }
      handedOut = ready[readyHead].slot
      return ready[readyHead]
    }
    readyCount = 0
    readyHead = 0
    if sources.count == 1 {
      guard posted[0] else { return nil }
      var flag: Int32 = 0
      let rc = MPI_Test(requests, &flag, statuses)
      guard rc == cmpi_success() else {
        // The receive ended with an error (a message past the capacity); the next poll starts it again.
        posted[0] = false
        handedOut = 0
        throw MPIError.fromCode(rc, function: "MPI_Test (posted receive)")
      }
      guard flag != 0 else { return nil }
      posted[0] = false
      handedOut = 0
      return try arrived(slot: 0, status: &statuses[0])
    }
    var completed: Int32 = 0
    let rc = MPI_Testsome(Int32(sources.count), requests, &completed, indices, statuses)
    guard rc == cmpi_success() || rc == MPI_ERR_IN_STATUS else {
      throw MPIError.fromCode(rc, function: "MPI_Testsome (posted receives)")
    }
    guard completed != cmpi_undefined(), completed > 0 else { return nil }
    if completed == 1 {
      // The common case: one arrival, handed out without the ready list;
      // its receive is posted again at the next poll, even after an error.
      let slot = Int(indices[0])
      posted[slot] = false
      handedOut = slot
      return try arrived(slot: slot, status: &statuses[0])
    }
    // Every completed receive is over, with its message or its error.
    for position in 0..<Int(completed) { posted[Int(indices[position])] = false }
    for position in 0..<Int(completed) {
      let arrival = try arrived(slot: Int(indices[position]), status: &statuses[position])
      if readyCount < ready.count { ready[readyCount] = arrival } else { ready.append(arrival) }
      readyCount += 1
    }
    readyHead = 1
    handedOut = ready[0].slot
    return ready[0]
  }

  private func arrived(slot: Int, status: inout MPI_Status) throws -> Arrival {
    // (The errors' texts are constants: an interpolated one would be built on every call.)
    if sources.count > 1 { try check(cmpi_status_error(&status), "posted receive") }
    // (Read from the status where Open MPI keeps it: `MPI_Get_count` and its
    // check cost about 80 instructions a message here, under callgrind.)
    let count = cmpi_status_byte_count(&status)
    guard count >= 0 else {
      throw MPIError.fromCode(MPI_ERR_COUNT, function: "MPI_Get_count (posted receive)")
    }
    return Arrival(
      slot: slot, source: Int(cmpi_status_source(&status)), tag: Int(cmpi_status_tag(&status)),
      byteCount: count)
  }

  /// The bytes of an arrival, valid until the next call of `next()`.
  public func bytes(of arrival: Arrival) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: buffers + arrival.slot * capacity, count: arrival.byteCount)
  }

  /// Starts the slot's receive again, for its source's next message.
  private func post(_ slot: Int) throws {
    guard !cancelled, !posted[slot] else { return }
    try check(MPI_Start(requests + slot), "MPI_Start (posted receive)")
    posted[slot] = true
  }

  /// Cancels the receives still posted (`MPI_Cancel`, then `MPI_Wait`). A
  /// message one of them took meanwhile is dropped: call it once no more
  /// messages are due. Later `next` calls find nothing.
  public func cancel() throws {
    guard !cancelled else { return }
    cancelled = true
    readyCount = 0
    readyHead = 0
    handedOut = -1
    for slot in sources.indices where posted[slot] {
      try check(MPI_Cancel(requests + slot), "MPI_Cancel (posted receive)")
      try check(MPI_Wait(requests + slot, cmpi_status_ignore()), "MPI_Wait (cancelled receive)")
      posted[slot] = false
    }
    for slot in sources.indices {
      try check(MPI_Request_free(requests + slot), "MPI_Request_free (posted receive)")
    }
  }
}
