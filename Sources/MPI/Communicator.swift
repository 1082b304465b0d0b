import CMPI

/// A communicator. `world` wraps MPI_COMM_WORLD and is never freed; others are freed by `free()` (collective) – not in deinit.
///
/// Every operation throws an `MPIError` when MPI reports an error (communicators made here return
/// errors instead of aborting). Under `ThreadLevel.serialized` the caller must make sure no two
/// threads call into MPI at the same time.
// Safe: handle, rank and size never change; isFreed is touched, as MPI is, by one thread at a time.
public final class Communicator: @unchecked Sendable {
  /// MPI_COMM_WORLD. Must first be used after `MPI.initialize` (its rank and size are read then).
  public static let world: Communicator = {
    precondition(
      MPI.isInitialized && !MPI.isFinalized,
      "Communicator.world used before MPI.initialize or after MPI.finalize")
    do {
      return try Communicator(handle: cmpi_comm_world(), isWorld: true)
    } catch {
      fatalError("cannot query MPI_COMM_WORLD: \(error)")
    }
  }()

  /// The MPI communicator handle (invalid once `free()` has been called).
  public let handle: MPI_Comm
  /// This process's rank in the communicator (cached at init).
  public let rank: Int
  /// The number of processes in the communicator (cached at init).
  public let size: Int
  /// Whether this is `world`, which is never freed.
  private let isWorld: Bool
  /// Set by `free()`; every later operation throws. (A communicator is used
  /// by one thread at a time, as MPI requires: no dynamic exclusivity check.)
  // Safe: one thread at a time calls into MPI (serialized; the caller's lock orders the calls).
  @exclusivity(unchecked) private var isFreed = false

  /// Wraps `handle`, reading its rank and size. Communicators other than world get MPI_ERRORS_RETURN.
  private init(handle: MPI_Comm, isWorld: Bool) throws {
    if !isWorld {
      try check(MPI_Comm_set_errhandler(handle, cmpi_errors_return()), "MPI_Comm_set_errhandler")
    }
    var rank: Int32 = 0
    var size: Int32 = 0
    try check(MPI_Comm_rank(handle, &rank), "MPI_Comm_rank")
    try check(MPI_Comm_size(handle, &size), "MPI_Comm_size")
    self.handle = handle
    self.rank = Int(rank)
    self.size = Int(size)
    self.isWorld = isWorld
  }

  /// Wraps one of MPI's predefined communicators (never freed; its error handler set at start).
  convenience init(world handle: MPI_Comm) throws {
    try self.init(handle: handle, isWorld: true)
  }

  /// Wraps a communicator MPI made (spawn, merge), with MPI_ERRORS_RETURN.
  convenience init(wrapping handle: MPI_Comm) throws {
    try self.init(handle: handle, isWorld: false)
  }

  /// The handle, or an error naming `function` if the communicator was freed.
  func live(_ function: String) throws -> MPI_Comm {
    if isFreed { throw MPIError.usage(function, "communicator was already freed") }
    return handle
  }

  /// Converts a rank (nil = `nilValue`, e.g. MPI_ANY_SOURCE) for `function`.
  func rank32(_ rank: Int?, _ function: String, nilValue: Int32) throws -> Int32 {
    guard let rank else { return nilValue }
    return try int32(rank, function, "rank")
  }

  // MARK: - Communicator management

  /// MPI_Comm_split (collective). color nil = MPI_UNDEFINED: returns nil for this process.
  /// Processes with the same color form a communicator, ranked by `key` (then by rank in self).
  public func split(color: Int?, key: Int) throws -> Communicator? {
    let comm = try live("MPI_Comm_split")
    let color32: Int32
    if let color {
      if color < 0 { throw MPIError.usage("MPI_Comm_split", "color \(color) is negative") }
      color32 = try int32(color, "MPI_Comm_split", "color")
    } else {
      color32 = cmpi_undefined()
    }
    var newComm: MPI_Comm? = nil
    try check(
      MPI_Comm_split(comm, color32, try int32(key, "MPI_Comm_split", "key"), &newComm), "MPI_Comm_split")
    guard let newComm, newComm != cmpi_comm_null() else { return nil }
    return try Communicator(handle: newComm, isWorld: false)
  }

  /// MPI_Comm_dup (collective): the same processes and ranks in a context of
  /// their own, whose messages no receive on `self` can match.
  public func duplicate() throws -> Communicator {
    let comm = try live("MPI_Comm_dup")
    var newComm: MPI_Comm? = nil
    try check(MPI_Comm_dup(comm, &newComm), "MPI_Comm_dup")
    guard let newComm else { throw MPIError.usage("MPI_Comm_dup", "no communicator was created") }
    return try Communicator(handle: newComm, isWorld: false)
  }

  /// MPI_Comm_group + MPI_Group_incl(ranks) + MPI_Comm_create_group(tag); only members call it.
  /// ranks are ranks in self, the new communicator's ranks follow their order.
  public func createSubcommunicator(ranks: [Int], tag: Int) throws -> Communicator {
    let comm = try live("MPI_Comm_create_group")
    guard ranks.contains(rank) else {
      throw MPIError.usage("MPI_Comm_create_group", "rank \(rank) is not one of the ranks \(ranks)")
    }
    let ranks32 = try ranks.map { try int32($0, "MPI_Group_incl", "rank") }
    let tag32 = try int32(tag, "MPI_Comm_create_group", "tag")
    var group: MPI_Group? = nil
    try check(MPI_Comm_group(comm, &group), "MPI_Comm_group")
    defer { _ = MPI_Group_free(&group) }
    var subgroup: MPI_Group? = nil
    try check(MPI_Group_incl(group, Int32(ranks32.count), ranks32, &subgroup), "MPI_Group_incl")
    defer { _ = MPI_Group_free(&subgroup) }
    var newComm: MPI_Comm? = nil
    try check(MPI_Comm_create_group(comm, subgroup, tag32, &newComm), "MPI_Comm_create_group")
    guard let newComm, newComm != cmpi_comm_null() else {
      throw MPIError.usage("MPI_Comm_create_group", "no communicator was created for rank \(rank)")
    }
    return try Communicator(handle: newComm, isWorld: false)
  }

  /// MPI_Comm_free (collective over the communicator's members). Throws for `world` and when
  /// called twice; every later operation on this communicator throws.
  public func free() throws {
    if isWorld { throw MPIError.usage("MPI_Comm_free", "Communicator.world cannot be freed") }
    var comm: MPI_Comm? = try live("MPI_Comm_free")
    isFreed = true
    try check(MPI_Comm_free(&comm), "MPI_Comm_free")
  }

  // MARK: - Point-to-point on bytes

  /// MPI_Send of `bytes` as MPI_BYTE (blocking; may wait for the matching receive for large messages).
  public func send(_ bytes: UnsafeRawBufferPointer, to destination: Int, tag: Int) throws {
    let f = "MPI_Send"
    let comm = try live(f)
    let count = try count32(bytes.count, f)
    try check(
      MPI_Send(
        bytes.baseAddress, count, cmpi_byte(), try int32(destination, f, "rank"), try int32(tag, f, "tag"),
        comm),
      f)
  }

  /// MPI_Send of an array of bytes (blocking).
  public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
    try bytes.withUnsafeBytes { try send($0, to: destination, tag: tag) }
  }

  /// Non-blocking send. The caller keeps `bytes`' memory alive and unchanged until the request completes.
  public func isend(_ bytes: UnsafeRawBufferPointer, to destination: Int, tag: Int) throws -> Request {
    let f = "MPI_Isend"
    let comm = try live(f)
    let count = try count32(bytes.count, f)
    let destination32 = try int32(destination, f, "rank")
    let tag32 = try int32(tag, f, "tag")
    return try Request(f) { request, _ in
      MPI_Isend(bytes.baseAddress, count, cmpi_byte(), destination32, tag32, comm, request)
    }
  }

  /// MPI_Isend, then one MPI_Test: nil when the send completed at once (a
  /// small message usually does; no request object is made), else its
  /// request, to test until complete while `bytes` stays valid.
  public func isendUnlessDone(_ bytes: UnsafeRawBufferPointer, to destination: Int, tag: Int) throws
    -> Request?
  {
    let f = "MPI_Isend"
    let comm = try live(f)
    let count = try count32(bytes.count, f)
    let destination32 = try int32(destination, f, "rank")
    let tag32 = try int32(tag, f, "tag")
    var handle: MPI_Request? = cmpi_request_null()
    try check(MPI_Isend(bytes.baseAddress, count, cmpi_byte(), destination32, tag32, comm, &handle), f)
    var flag: Int32 = 0
    try check(MPI_Test(&handle, &flag, cmpi_status_ignore()), "MPI_Test (MPI_Isend)")
    return flag != 0 ? nil : Request(f, pending: handle)
  }

  /// The next message as bytes, with its source and tag, or nil when none
  /// is waiting: MPI_Improbe, then MPI_Mrecv into a new array (no `Message`
  /// in between). source/tag nil = any.
  public func receiveMessage(from source: Int?, tag: Int?) throws -> (bytes: [UInt8], source: Int, tag: Int)?
  {
    guard var (message, status) = try improbe(from: source, tag: tag) else { return nil }
    let count = try Message.byteCount(&status)
    let bytes = try Message.bytes(count: Int(count)) { buffer in
      try check(
        MPI_Mrecv(buffer.baseAddress, count, cmpi_byte(), &message, cmpi_status_ignore()), "MPI_Mrecv")
    }
    return (bytes, Int(cmpi_status_source(&status)), Int(cmpi_status_tag(&status)))
  }

  /// MPI_Improbe: a matched message or nil. source/tag nil = any.
  public func probeMessage(from source: Int?, tag: Int?) throws -> Message? {
    guard let (message, status) = try improbe(from: source, tag: tag) else { return nil }
    return try Message(handle: message, status: status)
  }

  /// MPI_Improbe: the matched message's handle and status, or nil.
  private func improbe(from source: Int?, tag: Int?) throws -> (MPI_Message?, MPI_Status)? {
    let f = "MPI_Improbe"
    let comm = try live(f)
    let source32 = try rank32(source, f, nilValue: cmpi_any_source())
    let tag32 = try tag.map { try int32($0, f, "tag") } ?? cmpi_any_tag()
    var flag: Int32 = 0
    var message: MPI_Message? = nil
    var status = MPI_Status()
    try check(MPI_Improbe(source32, tag32, comm, &flag, &message, &status), f)
    return flag != 0 ? (message, status) : nil
  }

  /// MPI_Mprobe (blocking matched probe; spins in OpenMPI). source/tag nil = any.
  public func waitForMessage(from source: Int?, tag: Int?) throws -> Message {
    let f = "MPI_Mprobe"
    let comm = try live(f)
    let source32 = try rank32(source, f, nilValue: cmpi_any_source())
    let tag32 = try tag.map { try int32($0, f, "tag") } ?? cmpi_any_tag()
    var message: MPI_Message? = nil
    var status = MPI_Status()
    try check(MPI_Mprobe(source32, tag32, comm, &message, &status), f)
    return try Message(handle: message, status: status)
  }

  // MARK: - Typed point-to-point

  /// MPI_Send of `values` with their MPI datatype (blocking).
  public func send<T: MPIScalar>(_ values: [T], to destination: Int, tag: Int) throws {
    let f = "MPI_Send"
    let comm = try live(f)
    let count = try count32(values.count, f)
    let destination32 = try int32(destination, f, "rank")
    let tag32 = try int32(tag, f, "tag")
    try values.withUnsafeBufferPointer {
      try check(MPI_Send($0.baseAddress, count, T.mpiDatatype, destination32, tag32, comm), f)
    }
  }

  /// MPI_Recv of up to `count` values of `type` from `source` with `tag`; returns the values received
  /// (a message longer than `count` throws MPI's truncation error).
  public func receive<T: MPIScalar>(_ type: T.Type, count: Int, from source: Int, tag: Int) throws -> [T] {
    let f = "MPI_Recv"
    let comm = try live(f)
    let count32 = try count32(count, f)
    let source32 = try int32(source, f, "rank")
    let tag32 = try int32(tag, f, "tag")
    return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      var status = MPI_Status()
      try check(MPI_Recv(buffer.baseAddress, count32, T.mpiDatatype, source32, tag32, comm, &status), f)
      var received: Int32 = 0
      try check(MPI_Get_count(&status, T.mpiDatatype, &received), "MPI_Get_count")
      initialized = received == cmpi_undefined() ? 0 : min(Int(received), count)
    }
  }

  /// MPI_Sendrecv, for halo exchange: sends `values` to `destination` and receives up to
  /// `receiveCount` values from `source`. nil destination/source = MPI_PROC_NULL (no neighbour):
  /// nothing is sent, or nothing is received and the result is `[]`.
  public func sendReceive<T: MPIScalar>(
    _ values: [T], to destination: Int?, sendTag: Int, receiveCount: Int, from source: Int?, receiveTag: Int
  ) throws -> [T] {
    let f = "MPI_Sendrecv"
    let comm = try live(f)
    let sendCount = try count32(values.count, f)
    let receiveCount32 = try count32(receiveCount, f)
    let destination32 = try rank32(destination, f, nilValue: cmpi_proc_null())
    let source32 = try rank32(source, f, nilValue: cmpi_proc_null())
    let sendTag32 = try int32(sendTag, f, "tag")
    let receiveTag32 = try int32(receiveTag, f, "tag")
    return try values.withUnsafeBufferPointer { sendBuffer in
      try [T](unsafeUninitializedCapacity: receiveCount) { buffer, initialized in
        var status = MPI_Status()
        try check(
          MPI_Sendrecv(
            sendBuffer.baseAddress, sendCount, T.mpiDatatype, destination32, sendTag32,
            buffer.baseAddress, receiveCount32, T.mpiDatatype, source32, receiveTag32, comm, &status), f)
        if source == nil { return }
        var received: Int32 = 0
        try check(MPI_Get_count(&status, T.mpiDatatype, &received), "MPI_Get_count")
        initialized = received == cmpi_undefined() ? 0 : min(Int(received), receiveCount)
      }
    }
  }
}
