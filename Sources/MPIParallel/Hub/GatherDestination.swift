/// Where the parts of a gather land: one buffer for all engines, each
/// engine's part at its own range. For arrays of numbers it is the storage of
/// the final array, so the result needs no copy.
protocol GatherDestination: AnyObject, Sendable {
  /// The memory MPI writes into (valid while the destination lives).
  var bytes: UnsafeMutableRawBufferPointer { get }
}

/// Bytes (encoded parts, or error messages).
// Safe: MPI fills `bytes` before the slots pointing here complete under the result's lock; reads come after.
final class ByteDestination: GatherDestination, @unchecked Sendable {
  private(set) var storage: [UInt8]
  let bytes: UnsafeMutableRawBufferPointer

  init(byteCount: Int) {
    var storage = [UInt8](unsafeUninitializedCapacity: byteCount) { _, count in count = byteCount }
    bytes = storage.withUnsafeMutableBytes { $0 }
    self.storage = storage
  }

  /// A copy of `range`.
  subscript(range: Range<Int>) -> [UInt8] { Array(UnsafeRawBufferPointer(rebasing: bytes[range])) }
}

/// The final `[Element]` of a gather of numbers, written in place by MPI.
/// Only for `WireScalar` elements (plain numbers: no initialization, no references).
// Safe: MPI fills `bytes` before the slots pointing here complete under the result's lock; reads come after.
final class ArrayDestination<Element>: GatherDestination, @unchecked Sendable {
  private(set) var array: [Element]
  let bytes: UnsafeMutableRawBufferPointer

  init(byteCount: Int) {
    let count = byteCount / MemoryLayout<Element>.stride
    // Numbers need no initialization: every byte is written by the gather.
    var array = [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    bytes = array.withUnsafeMutableBytes { $0 }
    self.array = array
  }
}
