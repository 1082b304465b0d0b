/// An engine's reply to one request (tag `MessageTag.reply`): a fixed header
/// the hub reads without decoding anything else, then the payload the driver
/// decodes.
///
/// Layout: task id (UInt64), status (UInt8: 0 success, 1 error, 2 unmet
/// functional dependency, 3 aborted before it started), started and
/// completed (Float64, seconds since 1970), then for success the result (one
/// value, or a UInt32 count and that many values for a chunk), for errors the
/// error's type, message and the failing function (three strings).
struct EngineReply {
  static let headerSize = 25

  /// The status byte of a reply whose task did not run because its functional dependency does not hold.
  static let unmetStatus: UInt8 = 2
  /// The status byte of a reply whose task did not run because the hub aborted it (`HubRequest.abort`).
  static let abortedStatus: UInt8 = 3

  let taskID: Int
  let succeeded: Bool
  /// The engine declined the task: its functional dependency does not hold there.
  let unmet: Bool
  /// The engine dropped the task unstarted, as an abort notice asked.
  let aborted: Bool
  let started: Double
  let completed: Double

  /// The header's fields, read straight from the received bytes.
  init(header bytes: [UInt8]) throws {
    guard bytes.count >= Self.headerSize else {
      throw WireError.truncated(needed: Self.headerSize, available: bytes.count, offset: 0)
    }
    (taskID, succeeded, unmet, aborted, started, completed) = bytes.withUnsafeBytes { raw in
      (
        Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))), raw[8] == 0,
        raw[8] == Self.unmetStatus, raw[8] == Self.abortedStatus,
        Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self))),
        Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 17, as: UInt64.self)))
      )
    }
  }

  /// A writer holding a success header; append the result.
  /// (The header is laid out on the stack and appended in one copy: one
  /// append instead of four per reply.)
  static func success(taskID: Int, started: Double, completed: Double = 0) -> WireWriter {
    var writer = WireWriter(reservingCapacity: 64)
    writeSuccess(taskID: taskID, started: started, completed: completed, into: &writer)
    return writer
  }

  /// Appends a success header to `writer` (an engine's reused buffer),
  /// with a chunk's `count` of values after it when there is one (the
  /// payload's first field: in the same copy, one append fewer per chunk).
  static func writeSuccess(
    taskID: Int, started: Double, completed: Double = 0, count: Int? = nil, into writer: inout WireWriter
  ) {
    withUnsafeTemporaryAllocation(byteCount: headerSize + 4, alignment: 8) { header in
      header.storeBytes(of: UInt64(taskID).littleEndian, toByteOffset: 0, as: UInt64.self)
      header.storeBytes(of: 0, toByteOffset: 8, as: UInt8.self)
      header.storeBytes(of: started.bitPattern.littleEndian, toByteOffset: 9, as: UInt64.self)
      header.storeBytes(of: completed.bitPattern.littleEndian, toByteOffset: 17, as: UInt64.self)
      var length = headerSize
      if let count {
        header.storeBytes(of: UInt32(count).littleEndian, toByteOffset: headerSize, as: UInt32.self)
        length += 4
      }
      writer.writeRaw(UnsafeRawBufferPointer(rebasing: header[..<length]))
    }
  }

  /// Sets the completed time of a header written by `success` at offset
  /// `start` of the writer (in the writer: its bytes, taken after, are not copied).
  static func stamp(completed: Double, in writer: inout WireWriter, at start: Int = 0) {
    writer.patch(completed.bitPattern, at: start + 17)
  }

  /// A whole error reply.
  static func failure(
    taskID: Int, started: Double, completed: Double, errorType: String, message: String, function: String,
    status: UInt8 = 1, request: [UInt8]? = nil
  ) -> [UInt8] {
    var writer = WireWriter(reservingCapacity: 128 + (request?.count ?? 0))
    writer.write(UInt64(taskID))
    writer.write(status)
    writer.write(started)
    writer.write(completed)
    writer.write(errorType)
    writer.write(message)
    writer.write(function)
    if let request { writer.writeBlob(request) }
    return writer.bytes
  }

  /// The request a declining engine sent back after the error fields (see
  /// `Engine.fail`); nil when there is none.
  static func declinedRequest(of bytes: [UInt8]) -> [UInt8]? {
    var reader = WireReader(bytes)
    guard (try? reader.skip(headerSize)) != nil else { return nil }
    for _ in 0..<3 { guard (try? reader.readString()) != nil else { return nil } }
    guard !reader.isAtEnd, let request = try? reader.readBlob(), !request.isEmpty else { return nil }
    return request
  }

  /// The reply for a task dropped unstarted: no start time.
  static func aborted(taskID: Int, completed: Double) -> [UInt8] {
    failure(
      taskID: taskID, started: 0, completed: completed, errorType: "Aborted",
      message: "task \(taskID) was aborted before it started", function: "", status: abortedStatus)
  }

  /// The error fields of a failure reply.
  static func errorFields(of bytes: [UInt8]) throws -> (type: String, message: String, function: String) {
    var reader = WireReader(bytes)
    try reader.skip(headerSize)
    return (try reader.readString(), try reader.readString(), try reader.readString())
  }

  /// A reader positioned at the payload.
  static func payloadReader(of bytes: [UInt8]) throws -> WireReader {
    var reader = WireReader(bytes)
    try reader.skip(headerSize)
    return reader
  }
}
