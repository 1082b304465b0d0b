import Foundation

/// A batch of journal records packed into one blob: what the writer stores
/// in the `staged` table (see `JournalSchema`) in place of one row per
/// record. Records are packed as they are appended (by the hub, under the
/// writer's lock), straight from the reply bytes: no record value, no copy
/// of the reply, one buffer that keeps its memory from batch to batch.
///
/// The blob is a format byte (``format``) and then each record in turn:
///
/// | bytes | field |
/// |---|---|
/// | 1 | which optional fields follow (``Present``) |
/// | 1 | state: 0 queued, 1 running, 2 succeeded, 3 failed, 4 aborted |
/// | 8 | run |
/// | 8 | task id |
/// | 8 | submitted (the bits of a Double, seconds since 2001) |
/// | 4 + n | function: its UTF-8 length, then its bytes |
/// | 16 | key: high half, low half (if present) |
/// | 8 | engine (if present) |
/// | 8 | started (if present) |
/// | 8 | completed (if present) |
/// | 4 + n | error: length, then UTF-8 (if present) |
/// | 4 + n | result: length, then bytes (if present) |
///
/// Every integer is little-endian; lengths are unsigned 32-bit.
final class JournalBatch {
  /// The format byte every blob starts with.
  static let format: UInt8 = 1

  /// Which optional fields a record carries (its first byte).
  struct Present: OptionSet {
    let rawValue: UInt8
    static let key = Present(rawValue: 1)
    static let engine = Present(rawValue: 2)
    static let started = Present(rawValue: 4)
    static let completed = Present(rawValue: 8)
    static let error = Present(rawValue: 16)
    static let result = Present(rawValue: 32)
  }

  static let states: [TaskState] = [.queued, .running, .succeeded, .failed, .aborted]

  private var base: UnsafeMutableRawPointer
  private var capacity: Int
  /// Bytes used, the format byte included.
  private var used = 1
  /// Records appended since the last `removeAll()`.
  private(set) var count = 0

  /// `capacity`: bytes to start with; the default holds a full batch of small records.
  init(capacity: Int = 1 << 18) {
    self.capacity = max(capacity, 64)
    base = .allocate(byteCount: self.capacity, alignment: 8)
    base.storeBytes(of: Self.format, as: UInt8.self)
  }

  deinit { base.deallocate() }

  /// The blob: the format byte and every record appended.
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: used) }

  var isEmpty: Bool { count == 0 }

  /// Forgets the records, keeping the memory.
  func removeAll() {
    used = 1
    count = 0
  }

  func append(_ record: JournalRecord) {
    append(
      run: record.run, taskID: record.taskID, function: record.function, key: record.key,
      engineID: record.engineID, state: record.state,
      submitted: record.submitted.timeIntervalSinceReferenceDate,
      started: record.started?.timeIntervalSinceReferenceDate,
      completed: record.completed?.timeIntervalSinceReferenceDate, error: record.error, result: record.result)
  }

  /// Appends one record from its fields; times are seconds since 2001.
  func append(
    run: Int, taskID: Int, function: String, key: TaskKey?, engineID: Int?, state: TaskState,
    submitted: Double, started: Double?, completed: Double?, error: String?, result: [UInt8]?
  ) {
    var function = function
    var error = error
    function.withUTF8 { function in
      var present: Present = []
      var size = 31 + function.count
      if key != nil {
        present.insert(.key)
        size += 16
      }
      if engineID != nil {
        present.insert(.engine)
        size += 8
      }
      if started != nil {
        present.insert(.started)
        size += 8
      }
      if completed != nil {
        present.insert(.completed)
        size += 8
      }
      if let error {
        present.insert(.error)
        size += 4 + error.utf8.count
      }
      if let result {
        present.insert(.result)
        size += 4 + result.count
      }
      reserve(size)
      var at = used
      store(present.rawValue, at: &at)
      store(Self.stateIndex(state), at: &at)
      store(UInt64(bitPattern: Int64(run)), at: &at)
      store(UInt64(bitPattern: Int64(taskID)), at: &at)
      store(submitted.bitPattern, at: &at)
      store(UnsafeRawBufferPointer(function), at: &at)
      if let key {
        store(key.high, at: &at)
        store(key.low, at: &at)
      }
      if let engineID { store(UInt64(bitPattern: Int64(engineID)), at: &at) }
      if let started { store(started.bitPattern, at: &at) }
      if let completed { store(completed.bitPattern, at: &at) }
      if error != nil { error!.withUTF8 { store(UnsafeRawBufferPointer($0), at: &at) } }
      if let result { result.withUnsafeBytes { store($0, at: &at) } }
      used = at
      count += 1
    }
  }

  private static func stateIndex(_ state: TaskState) -> UInt8 {
    switch state {
    case .queued: 0
    case .running: 1
    case .succeeded: 2
    case .failed: 3
    case .aborted: 4
    }
  }

  /// Makes room for `size` more bytes.
  private func reserve(_ size: Int) {
    guard used + size > capacity else { return }
    let grown = max(capacity * 2, used + size)
    let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
    moved.copyMemory(from: base, byteCount: used)
    base.deallocate()
    base = moved
    capacity = grown
  }

  private func store(_ value: UInt8, at offset: inout Int) {
    base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    offset += 1
  }

  private func store(_ value: UInt64, at offset: inout Int) {
    base.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
    offset += 8
  }

  /// A length, then the bytes.
  private func store(_ value: UnsafeRawBufferPointer, at offset: inout Int) {
    base.storeBytes(
      of: UInt32(truncatingIfNeeded: value.count).littleEndian, toByteOffset: offset, as: UInt32.self)
    if let source = value.baseAddress, value.count > 0 {
      (base + offset + 4).copyMemory(from: source, byteCount: value.count)
    }
    offset += 4 + value.count
  }
}
