// This file imports the C library alone and `@preconcurrency`: Swift 6 code
// may then name C's `stdout` and `stderr`, global variables it otherwise
// refuses as shared mutable state. (An import of a module that re-exports
// the C library, such as Foundation, ahead of it would hide the attribute.)
// The pointers are set before `main` and never change; the streams lock
// themselves per call.
#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Musl)
  @preconcurrency import Musl
#endif

/// The runtime's way to C's standard streams.
enum StandardStreams {
  /// Writes `text` to standard error, which C leaves unbuffered: it goes out at once.
  static func writeError(_ text: String) {
    fputs(text, stderr)
  }

  /// Makes standard output line-buffered.
  static func lineBufferOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
  }
}

extension Cluster {
  /// Makes standard output line-buffered, so each line the program prints
  /// goes out as it is printed, even into a pipe (mpirun collects the ranks'
  /// output through pipes). This is C's `setvbuf(stdout, nil, _IOLBF, 0)`,
  /// which Swift 6 code cannot write as it stands: it refuses C's global
  /// `stdout` as shared mutable state. Call it first, before anything prints.
  public static func lineBufferStandardOutput() {
    StandardStreams.lineBufferOutput()
  }
}
