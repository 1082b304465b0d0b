/// One message on a liveness connection: 17 bytes, a kind byte and two
/// little-endian 64-bit values, whose meaning depends on the kind.
///
/// | kind | sender | first | second |
/// |------|--------|-------|--------|
/// | 1 hello | engine | token | engine id |
/// | 2 welcome | hub | token | engine id |
/// | 3 refused | hub | reason (``RefusalReason``) | engine id |
/// | 4 heartbeat | both | 0 | 0 |
/// | 5 crash | engine | signal | task id (-1: none) |
/// | 6 exit | engine | task id (-1: none) | 0 |
/// | 7 goodbye | engine | 0 | 0 |
///
/// Fixed-size frames need no length field, so a frame can be built on the
/// stack in a signal handler and sent with one `send(2)`, and no byte a
/// stranger sends can announce an allocation.
struct LivenessFrame: Equatable, Sendable {
  enum Kind: UInt8, Sendable {
    case hello = 1
    case welcome = 2
    case refused = 3
    case heartbeat = 4
    case crash = 5
    case exit = 6
    case goodbye = 7
    /// Hub to engines: engine `first` is lost (an engine waiting on it in
    /// a collective gives up).
    case peerLost = 8
  }

  /// Why the hub refused an engine's hello (the `first` value of a refusal).
  enum RefusalReason: UInt64, Sendable, CustomStringConvertible {
    /// The hub does not expect this engine id.
    case unknownEngine = 1
    /// Another connection already speaks for this engine id.
    case alreadyConnected = 2
    /// The hub has already counted this engine as lost, or it left.
    case alreadyGone = 3

    var description: String {
      switch self {
      case .unknownEngine: return "the hub does not expect this engine id"
      case .alreadyConnected: return "another connection already speaks for this engine id"
      case .alreadyGone: return "the hub already counts this engine as lost or gone"
      }
    }
  }

  /// Bytes in every frame.
  static let size = 17

  var kind: Kind
  var first: UInt64
  var second: UInt64

  init(_ kind: Kind, _ first: UInt64 = 0, _ second: UInt64 = 0) {
    self.kind = kind
    self.first = first
    self.second = second
  }

  static func hello(token: UInt64, engineID: Int) -> LivenessFrame {
    LivenessFrame(.hello, token, UInt64(truncatingIfNeeded: engineID))
  }

  static func welcome(token: UInt64, engineID: Int) -> LivenessFrame {
    LivenessFrame(.welcome, token, UInt64(truncatingIfNeeded: engineID))
  }

  static func refused(_ reason: RefusalReason, engineID: Int) -> LivenessFrame {
    LivenessFrame(.refused, reason.rawValue, UInt64(truncatingIfNeeded: engineID))
  }

  static let heartbeat = LivenessFrame(.heartbeat)
  static let goodbye = LivenessFrame(.goodbye)

  static func crash(signal: Int32, taskID: Int) -> LivenessFrame {
    LivenessFrame(.crash, UInt64(UInt32(bitPattern: signal)), UInt64(truncatingIfNeeded: taskID))
  }

  static func exit(taskID: Int) -> LivenessFrame {
    LivenessFrame(.exit, UInt64(truncatingIfNeeded: taskID))
  }

  /// The engine id of a hello, welcome or refusal.
  var engineID: Int { Int(truncatingIfNeeded: second) }

  /// What a crash or exit note says about the engine, nil for other kinds.
  /// Numbers are narrowed without trapping, whatever the peer sent.
  var loss: EngineLoss? {
    switch kind {
    case .crash:
      return .crashed(signal: Int32(truncatingIfNeeded: first), taskID: Self.taskID(second))
    case .exit:
      return .exited(taskID: Self.taskID(first))
    default:
      return nil
    }
  }

  private static func taskID(_ value: UInt64) -> Int? {
    let id = Int(truncatingIfNeeded: value)
    return id < 0 ? nil : id
  }

  /// The frame's 17 bytes.
  var bytes: [UInt8] {
    [UInt8](unsafeUninitializedCapacity: Self.size) { buffer, count in
      Self.store(kind, first, second, into: UnsafeMutableRawPointer(buffer.baseAddress!))
      count = Self.size
    }
  }

  /// Writes a frame's 17 bytes at `destination` (no allocation, no lock: a
  /// signal handler may call it).
  @inline(__always)
  static func store(
    _ kind: Kind, _ first: UInt64, _ second: UInt64, into destination: UnsafeMutableRawPointer
  ) {
    destination.storeBytes(of: kind.rawValue, as: UInt8.self)
    destination.storeBytes(of: first.littleEndian, toByteOffset: 1, as: UInt64.self)
    destination.storeBytes(of: second.littleEndian, toByteOffset: 9, as: UInt64.self)
  }

  /// The frame in the first 17 bytes of `bytes`; nil when there are fewer or
  /// the kind byte is unknown.
  init?(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count >= Self.size, let kind = Kind(rawValue: bytes[0]) else { return nil }
    self.kind = kind
    first = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
    second = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
  }

  /// The frame in `bytes` (17 or more); nil as for the raw-buffer initializer.
  init?(_ bytes: [UInt8]) {
    guard let frame = bytes.withUnsafeBytes({ LivenessFrame($0) }) else { return nil }
    self = frame
  }
}
