import Foundation

/// Reads the records of a packed batch (format in `JournalBatch`) in place:
/// each record's texts and result are views into the blob, which the
/// journal binds to its insert statement without a copy.
struct JournalBatchReader {
  /// One record as read: its texts and result point into the blob.
  struct Fields {
    var state: TaskState
    var run: Int
    var taskID: Int
    /// Seconds since 2001, as every time here.
    var submitted: Double
    var function: UnsafeRawBufferPointer
    var key: TaskKey?
    var engineID: Int?
    var started: Double?
    var completed: Double?
    var error: UnsafeRawBufferPointer?
    var result: UnsafeRawBufferPointer?

    /// The record, its texts and result copied out of the blob.
    var record: JournalRecord {
      JournalRecord(
        run: run, taskID: taskID, function: String(decoding: function, as: UTF8.self), key: key,
        engineID: engineID, state: state, submitted: Date(timeIntervalSinceReferenceDate: submitted),
        started: started.map { Date(timeIntervalSinceReferenceDate: $0) },
        completed: completed.map { Date(timeIntervalSinceReferenceDate: $0) },
        error: error.map { String(decoding: $0, as: UTF8.self) }, result: result.map { Array($0) })
    }
  }

  /// Calls `body` with each record of `bytes`, a blob that must hold
  /// exactly `count` of them. A damaged blob throws
  /// ``JournalError/io(path:reason:)`` naming the batch and the byte where
  /// it stops making sense (`body` may have seen the records before it);
  /// what `body` throws goes through as it is.
  static func forEach(
    in bytes: UnsafeRawBufferPointer, count: Int, path: String, batch: Int64,
    _ body: (Fields) throws -> Void
  ) throws {
    var reader = JournalBatchReader(bytes: bytes)
    func broken(_ what: String) -> JournalError {
      .io(path: path, reason: "staged batch \(batch) is damaged: \(what) at byte \(reader.offset)")
    }
    guard let first = try? reader.byte() else { throw broken("it is empty") }
    guard first == JournalBatch.format else { throw broken("unknown format \(first)") }
    var read = 0
    while reader.offset < bytes.count {
      let fields: Fields
      do {
        fields = try reader.next()
      } catch .cutShort {
        throw broken("record \(read + 1) is cut short")
      } catch .unknown(let what) {
        throw broken("record \(read + 1) has \(what)")
      }
      try body(fields)
      read += 1
    }
    guard read == count else { throw broken("it holds \(read) records where its row says \(count)") }
  }

  /// Why a record could not be read.
  enum Damage: Error {
    case cutShort
    case unknown(String)
  }

  let bytes: UnsafeRawBufferPointer
  /// Where the next field starts.
  private(set) var offset = 0

  /// The next record.
  mutating func next() throws(Damage) -> Fields {
    let present = JournalBatch.Present(rawValue: try byte())
    let stateIndex = Int(try byte())
    guard present.rawValue & ~0x3f == 0 else { throw .unknown("unknown flags \(present.rawValue)") }
    guard stateIndex < JournalBatch.states.count else { throw .unknown("unknown state \(stateIndex)") }
    let run = try int()
    let taskID = try int()
    let submitted = try double()
    var fields = Fields(
      state: JournalBatch.states[stateIndex], run: run, taskID: taskID, submitted: submitted,
      function: try counted())
    if present.contains(.key) { fields.key = TaskKey(high: try word(), low: try word()) }
    if present.contains(.engine) { fields.engineID = try int() }
    if present.contains(.started) { fields.started = try double() }
    if present.contains(.completed) { fields.completed = try double() }
    if present.contains(.error) { fields.error = try counted() }
    if present.contains(.result) { fields.result = try counted() }
    return fields
  }

  mutating func byte() throws(Damage) -> UInt8 {
    guard offset < bytes.count else { throw .cutShort }
    defer { offset += 1 }
    return bytes[offset]
  }

  private mutating func word() throws(Damage) -> UInt64 {
    guard bytes.count - offset >= 8 else { throw .cutShort }
    defer { offset += 8 }
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  private mutating func int() throws(Damage) -> Int { Int(Int64(bitPattern: try word())) }

  private mutating func double() throws(Damage) -> Double { Double(bitPattern: try word()) }

  /// A length, then that many bytes.
  private mutating func counted() throws(Damage) -> UnsafeRawBufferPointer {
    guard bytes.count - offset >= 4 else { throw .cutShort }
    let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    guard bytes.count - offset - 4 >= count else { throw .cutShort }
    defer { offset += 4 + count }
    return UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 4 + count)])
  }
}
