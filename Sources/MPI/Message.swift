import CMPI

/// A matched message from probeMessage; receive it exactly once (MPI_Mrecv).
///
/// Copies of a `Message` share one MPI message handle: after any copy has received it,
/// receiving again throws an `MPIError`.
// Safe: the handle is cleared by the one receive, made, as every MPI call, by one thread at a time.
public struct Message: @unchecked Sendable {
  /// The rank (in the probed communicator) that sent the message.
  public let source: Int
  /// The message's tag.
  public let tag: Int
  /// The message's size in bytes.
  public let byteCount: Int
  /// The shared MPI message handle.
  private let box: Handle

  /// Holds the MPI message handle; `nil` once the message has been received.
  private final class Handle {
    // Safe: read and cleared by the thread making the MPI calls, one at a time (see `Message`).
    @exclusivity(unchecked) var message: MPI_Message?
    init(_ message: MPI_Message?) { self.message = message }
  }

  /// Wraps a message matched by MPI_Improbe / MPI_Mprobe and its status.
  init(handle: MPI_Message?, status: MPI_Status) throws {
    var status = status
    self.byteCount = Int(try Self.byteCount(&status))
    self.source = Int(cmpi_status_source(&status))
    self.tag = Int(cmpi_status_tag(&status))
    self.box = Handle(handle)
  }

  /// Whether the message has already been received.
  public var isReceived: Bool { box.message == nil }

  /// Receives the message into `buffer`, which must hold at least `byteCount` bytes (MPI_Mrecv).
  public func receive(into buffer: UnsafeMutableRawBufferPointer) throws {
    guard let handle = box.message else {
      throw MPIError.usage("MPI_Mrecv", "message from rank \(source) tag \(tag) was already received")
    }
    guard buffer.count >= byteCount else {
      throw MPIError.usage(
        "MPI_Mrecv", "buffer of \(buffer.count) bytes is smaller than the message's \(byteCount) bytes")
    }
    let count = try count32(byteCount, "MPI_Mrecv")
    var message: MPI_Message? = handle
    let rc = MPI_Mrecv(buffer.baseAddress, count, cmpi_byte(), &message, cmpi_status_ignore())
    box.message = nil
    try check(rc, "MPI_Mrecv")
  }

  /// Receives the message into a new array of exactly `byteCount` bytes.
  ///
  /// A small message lands on the stack and is copied into an array made by
  /// `reserveCapacity` and `append`: here, where the standard library's
  /// array allocation runs unspecialized (a generic metadata lookup per
  /// call), that costs less than receiving straight into a new array.
  /// Larger messages are received straight into their array's storage.
  public func receive() throws -> [UInt8] {
    try Self.bytes(count: byteCount) { try receive(into: $0) }
  }

  /// The size in bytes of the message `status` describes (MPI_Get_count).
  static func byteCount(_ status: inout MPI_Status) throws -> Int32 {
    var count: Int32 = 0
    try check(MPI_Get_count(&status, cmpi_byte(), &count), "MPI_Get_count")
    guard count != cmpi_undefined() else {
      throw MPIError.usage("MPI_Get_count", "message size is not a whole number of bytes")
    }
    return count
  }

  /// A new array of `count` bytes that `fill` writes (through the stack
  /// for a small message, as `receive()` says).
  static func bytes(count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows -> [UInt8] {
    if count <= stackLimit {
      return try withUnsafeTemporaryAllocation(byteCount: stackLimit, alignment: 16) { buffer in
        try fill(buffer)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        bytes.append(
          contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<count]).bindMemory(to: UInt8.self))
        return bytes
      }
    }
    return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
      try fill(UnsafeMutableRawBufferPointer(buffer))
      initialized = count
    }
  }

  /// The largest message `receive()` takes through the stack.
  private static var stackLimit: Int { 1024 }
}
