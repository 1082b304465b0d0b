import Foundation

/// The hub's journal keys of call requests, with the hash of the last
/// request's signature (function name, argument and result types) kept for
/// the next: a map's requests differ only after it, so each costs the hash of
/// its own count and arguments, and the name's string is made once.
///
/// A request's key is its function's name and the `TaskKey` of every byte
/// after its kind and task id, so the same call in another run has the same
/// key. FNV-1a goes byte by byte, so going on from the signature's hash
/// gives the hash of the whole.
struct JournalKeyCache {
  /// The last new signature, as the request carries it.
  private var signature: [UInt8] = []
  /// The hash of `signature`, to go on from.
  private var hashing = TaskKey.Hashing()
  /// The function `signature` names.
  private var function = ""

  /// The key of the call request in `raw`; nil for other requests, and for
  /// one too short to hold its signature.
  mutating func key(ofRequest raw: UnsafeRawBufferPointer) -> JournalKey? {
    guard JournalKey.isCall(raw), let end = Self.signatureEnd(in: raw) else { return nil }
    let signature = UnsafeRawBufferPointer(rebasing: raw[JournalKey.hashedFrom..<end])
    if !isLast(signature) {
      let length = Int(
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: JournalKey.hashedFrom, as: UInt32.self)))
      let name = JournalKey.hashedFrom + 4
      function = String(
        decoding: UnsafeRawBufferPointer(rebasing: raw[name..<(name + length)]), as: UTF8.self)
      self.signature = Array(signature)
      hashing = TaskKey.Hashing()
      hashing.add(signature)
    }
    var whole = hashing
    whole.add(UnsafeRawBufferPointer(rebasing: raw[end...]))
    return JournalKey(function: function, key: whole.key)
  }

  mutating func key(ofRequest bytes: [UInt8]) -> JournalKey? {
    bytes.withUnsafeBytes { key(ofRequest: $0) }
  }

  private func isLast(_ signature: UnsafeRawBufferPointer) -> Bool {
    guard self.signature.count == signature.count, let other = signature.baseAddress else { return false }
    return self.signature.withUnsafeBytes { memcmp($0.baseAddress!, other, signature.count) == 0 }
  }

  /// Where a call request's signature (three strings, each a UInt32 length
  /// and its bytes, after the kind and task id) ends; nil when it does not
  /// fit in the request.
  static func signatureEnd(in raw: UnsafeRawBufferPointer) -> Int? {
    var offset = JournalKey.hashedFrom
    for _ in 0..<3 {
      guard offset + 4 <= raw.count else { return nil }
      offset += 4 + Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
      guard offset <= raw.count else { return nil }
    }
    return offset
  }
}
