/// A stable 128-bit key of a task's function and arguments.
///
/// The two halves are FNV-1a 64 hashes of the same bytes, started from two
/// different offset bases: `low` is the standard FNV-1a 64 (offset basis
/// `0xcbf29ce484222325`), `high` starts from the upper half of the FNV-128
/// offset basis (`0x6c62272e07bb0142`). Both use the FNV-64 prime. The key
/// depends on nothing but the bytes, so it is the same in every run, on every
/// machine and in every process: the journal matches tasks of a resumed run
/// against those of earlier runs by it.
///
/// It is not a cryptographic hash; it is meant to tell apart the argument
/// lists of one program's tasks, where 128 bits make an accidental collision
/// vanishingly unlikely.
public struct TaskKey: Hashable, Sendable, CustomStringConvertible {
  /// The upper 64 bits (FNV-1a 64 from the second offset basis).
  public let high: UInt64
  /// The lower 64 bits (standard FNV-1a 64).
  public let low: UInt64

  public init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  /// The FNV-64 prime.
  static let prime: UInt64 = 0x0000_0100_0000_01b3
  /// The standard FNV-1a 64 offset basis (for `low`).
  static let lowOffset: UInt64 = 0xcbf2_9ce4_8422_2325
  /// The upper half of the FNV-128 offset basis (for `high`).
  static let highOffset: UInt64 = 0x6c62_272e_07bb_0142

  /// The key of `bytes`.
  public static func of(_ bytes: UnsafeRawBufferPointer) -> TaskKey {
    var hashing = Hashing()
    hashing.add(bytes)
    return hashing.key
  }

  /// Both hashes of bytes given piece by piece: `key` is the key of all
  /// the pieces one after the other.
  struct Hashing {
    private var high = TaskKey.highOffset
    private var low = TaskKey.lowOffset

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
      var high = self.high
      var low = self.low
      for byte in bytes {
        high = (high ^ UInt64(byte)) &* TaskKey.prime
        low = (low ^ UInt64(byte)) &* TaskKey.prime
      }
      self.high = high
      self.low = low
    }

    var key: TaskKey { TaskKey(high: high, low: low) }
  }

  /// The key of `bytes`.
  public static func of(_ bytes: [UInt8]) -> TaskKey {
    bytes.withUnsafeBytes { of($0) }
  }

  /// 32 lowercase hex digits: `high` then `low`, each zero-padded to 16.
  public var hex: String {
    var digits = [UInt8](repeating: 0, count: 32)
    let alphabet = Array("0123456789abcdef".utf8)
    for index in 0..<16 {
      let shift = UInt64(60 - 4 * index)
      digits[index] = alphabet[Int((high >> shift) & 0xf)]
      digits[16 + index] = alphabet[Int((low >> shift) & 0xf)]
    }
    return String(decoding: digits, as: UTF8.self)
  }

  /// Parses 32 hex digits (either case), as `hex` writes them; nil for
  /// anything else (other lengths, signs, spaces, other characters).
  public init?(hex: String) {
    let utf8 = Array(hex.utf8)
    guard utf8.count == 32 else { return nil }
    var high: UInt64 = 0
    var low: UInt64 = 0
    for (index, character) in utf8.enumerated() {
      let value: UInt64
      switch character {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(character - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(character - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): value = UInt64(character - UInt8(ascii: "A") + 10)
      default: return nil
      }
      if index < 16 { high = high << 4 | value } else { low = low << 4 | value }
    }
    self.init(high: high, low: low)
  }

  public var description: String { hex }
}
