import Foundation

/// What results need besides their state: the hub (for abort) and the
/// engines (to say where errors happened).
@usableFromInline
struct ResultContext: Sendable {
  let hub: Hub
  let engines: [EngineInfo]

  /// A deadline on the monotonic clock, `timeout` from now.
  static func deadline(_ timeout: Duration?) -> Double? {
    guard let timeout else { return nil }
    let (seconds, attoseconds) = timeout.components
    return MonotonicClock.now() + Double(seconds) + Double(attoseconds) * 1e-18
  }

  static func seconds(_ timeout: Duration) -> Double {
    Double(timeout.components.seconds) + Double(timeout.components.attoseconds) * 1e-18
  }

  /// The error an engine's failure reply carries, tagged with where it happened.
  func remoteError(reply: [UInt8], slot: ResultState.Slot) -> RemoteError {
    let fields = try? EngineReply.errorFields(of: reply)
    return remoteError(
      slot: slot, type: fields?.type ?? "MalformedReply",
      message: fields?.message ?? "the reply could not be read",
      function: fields?.function ?? "?")
  }

  func remoteError(slot: ResultState.Slot, type: String, message: String, function: String) -> RemoteError {
    // Engines added while the job runs are in the hub's roster, not in `engines`.
    let engine = slot.engineID.flatMap { $0 < engines.count ? engines[$0] : hub.roster.info($0) }
    return RemoteError(
      engineID: slot.engineID ?? -1, rank: engine?.rank ?? -1, host: engine?.host ?? "?", function: function,
      taskID: slot.taskID, errorType: type, message: message)
  }

  /// A slot's metadata.
  func metadata(_ slot: ResultState.Slot, submitted: Double) -> TaskMetadata {
    var started: Date?
    var completed: Date?
    switch slot.outcome {
    case .reply(let bytes):
      if let header = try? EngineReply(header: bytes) {
        started = Date(timeIntervalSince1970: header.started)
        completed = Date(timeIntervalSince1970: header.completed)
      }
    case .decoded:
      // The reply is not kept: the hub's table has its times.
      let record = hub.table.record(slot.taskID)
      (started, completed) = (record?.started, record?.completed)
    default: break
    }
    return TaskMetadata(
      taskID: slot.taskID, engineID: slot.engineID, submitted: Date(timeIntervalSince1970: submitted),
      started: started, completed: completed)
  }

  /// The values of `slot`'s reply to a call (see `callValues`). Nil when
  /// the slot holds no reply; throws the remote error a failure reply carries.
  @usableFromInline
  func callPayload(of slot: ResultState.Slot, batch: Bool, label: String, expected: Any.Type) throws
    -> (reader: WireReader, count: Int)?
  {
    guard case .reply(let bytes) = slot.outcome else { return nil }
    return try callPayload(ofReply: bytes, slot: { slot }, batch: batch, label: label, expected: expected)
  }

  /// The values of a reply to a call (see `callValues`); throws the remote
  /// error a failure reply carries, naming where it ran from `slot` (asked
  /// for only then: a call's success needs no `Slot`).
  @usableFromInline
  func callPayload(
    ofReply bytes: [UInt8], slot: () -> ResultState.Slot, batch: Bool, label: String, expected: Any.Type
  ) throws -> (reader: WireReader, count: Int) {
    guard try EngineReply(header: bytes).succeeded else { throw remoteError(reply: bytes, slot: slot()) }
    return try Self.callValues(of: bytes, batch: batch, label: label, expected: expected)
  }

  /// The values of a successful call reply: a reader at the first of them
  /// and their count (a chunk's reply, `batch`, starts with its count; a
  /// single call's holds one).
  static func callValues(of reply: [UInt8], batch: Bool, label: String, expected: Any.Type) throws
    -> (reader: WireReader, count: Int)
  {
    do {
      var reader = try EngineReply.payloadReader(of: reply)
      let count = batch ? Int(try reader.read(UInt32.self)) : 1
      return (reader, count)
    } catch {
      throw decodingFailed(label: label, expected: expected, error)
    }
  }

  /// Appends `count` values of `T` from `reader` to `values`. (Inlinable:
  /// a program's calls append specialized for their result type.)
  @inlinable
  static func appendValues<T: Decodable>(
    _ count: Int, from reader: inout WireReader, to values: inout [T], label: String
  ) throws {
    do {
      // (One value needs no reservation, and reserving has a cost.)
      if count > 1 { values.reserveCapacity(values.count + count) }
      for _ in 0..<count { values.append(try reader.decode(T.self)) }
    } catch {
      throw decodingFailed(label: label, expected: T.self, error)
    }
  }

  /// The error of a call's result that could not be decoded as `expected`.
  @usableFromInline
  static func decodingFailed(label: String, expected: Any.Type, _ error: any Error) -> ParallelError {
    .decodingFailed(what: "the result of \(label)", expected: Wire.typeName(expected), reason: "\(error)")
  }

  /// Decodes a successful call reply: one value, or a chunk's count and values.
  static func decodeCall<T: Decodable>(_ reply: [UInt8], batch: Bool, as type: T.Type, label: String) throws
    -> [T]
  {
    var (reader, count) = try callValues(of: reply, batch: batch, label: label, expected: T.self)
    var values: [T] = []
    try appendValues(count, from: &reader, to: &values, label: label)
    return values
  }

  /// Decodes a pull reply (type name, then the value's encoding) as a `T`.
  func decodePulled<T: Decodable>(_ reply: [UInt8], slot: ResultState.Slot, name: String, as type: T.Type)
    throws -> T
  {
    var reader = try EngineReply.payloadReader(of: reply)
    let typeName = try reader.readString()
    guard typeName == Wire.typeName(T.self) else {
      throw remoteError(
        slot: slot, type: "EngineError",
        message: EngineError.typeMismatch(name: name, stored: typeName, requested: Wire.typeName(T.self))
          .description,
        function: "pull('\(name)')")
    }
    do {
      return try Wire.decode(T.self, from: try reader.readBlob())
    } catch {
      throw ParallelError.decodingFailed(
        what: "'\(name)'", expected: Wire.typeName(T.self), reason: "\(error)")
    }
  }
}
