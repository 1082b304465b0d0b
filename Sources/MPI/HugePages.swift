#if canImport(Glibc)
  import Glibc
#endif

/// Transparent huge pages for large message buffers. The first touch of a
/// new page costs a fault (microseconds in a virtual machine): a 40 MB
/// message in fresh memory takes 10,000 of them, or 20 with huge pages.
public enum HugePages {
  /// Buffers from this size on are advised.
  public static let threshold = 8 << 20
  /// The huge page size on x86-64 and arm64 with 4 KiB pages.
  static let blockSize = 2 << 20

  /// Asks the kernel to back the whole 2 MiB blocks inside `buffer` with
  /// huge pages (`madvise(MADV_HUGEPAGE)`), when it is at least
  /// `threshold` bytes. Only a hint: where the kernel has no transparent
  /// huge pages, or none free, the pages stay small.
  public static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
      guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
      let address = UInt(bitPattern: base)
      let mask = UInt(blockSize - 1)
      let start = (address + mask) & ~mask
      let end = (address + UInt(buffer.count)) & ~mask
      guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
      _ = madvise(first, Int(end - start), MADV_HUGEPAGE)
    #endif
  }
}
