import CMPI

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Process-wide MPI environment: start-up, shutdown and a few queries.
public enum MPI {
  /// MPI_Init_thread requesting `required`; returns the level provided. Sets MPI_ERRORS_RETURN on
  /// MPI_COMM_WORLD (and MPI_COMM_SELF) so errors come back as codes (then thrown as `MPIError`)
  /// instead of aborting. Throws if already initialized (or finalized).
  public static func initialize(requesting required: ThreadLevel) throws -> ThreadLevel {
    if isFinalized { throw MPIError.usage("MPI_Init_thread", "MPI was already finalized") }
    if isInitialized { throw MPIError.usage("MPI_Init_thread", "MPI is already initialized") }
    var provided: Int32 = 0
    try check(MPI_Init_thread(nil, nil, required.mpiValue, &provided), "MPI_Init_thread")
    try check(MPI_Comm_set_errhandler(cmpi_comm_world(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
    try check(MPI_Comm_set_errhandler(cmpi_comm_self(), cmpi_errors_return()), "MPI_Comm_set_errhandler")
    guard let level = ThreadLevel(mpiValue: provided) else {
      throw MPIError.usage("MPI_Init_thread", "unknown thread level \(provided) provided")
    }
    return level
  }

  /// Asks Open MPI, through its MCA parameter `mpi_yield_when_idle` in the
  /// environment, not to yield the processor on every poll that completes
  /// nothing. Open MPI does so by default on an oversubscribed node, which
  /// costs a system call per empty poll and hands the core away even while a
  /// reply is microseconds off; a caller with its own idle policy (spin, then
  /// yield, then sleep) sets it aside with this. Call before `initialize`. A
  /// value already in the environment wins; other MPIs ignore the variable.
  public static func leaveIdlingToCaller() {
    setenv(openMPIYieldVariable, "0", 0)
  }

  /// The environment variable that carries Open MPI's `mpi_yield_when_idle`.
  public static let openMPIYieldVariable = "OMPI_MCA_mpi_yield_when_idle"

  /// Whether Open MPI yields the processor on each poll that completes
  /// nothing (see `leaveIdlingToCaller`); nil for any other MPI. Read it
  /// after `initialize`.
  public static var openMPIYieldsWhenIdle: Bool? {
    switch cmpi_openmpi_yields_when_idle() {
    case 1: return true
    case 0: return false
    default: return nil
    }
  }

  /// Turns off Open MPI's internal locks, which it takes at every thread
  /// level above `MPI_THREAD_SINGLE` (message matching, endpoints, requests
  /// and free lists), on every call. Only for a process whose MPI calls never
  /// overlap: each made under one lock of the caller's, which also orders
  /// their memory. Call after `initialize`, before any other thread makes an
  /// MPI call. Returns whether this MPI had such locks to turn off (false for
  /// any MPI but Open MPI).
  @discardableResult
  public static func skipOpenMPIInternalLocks() -> Bool {
    cmpi_openmpi_clear_uses_threads() != 0
  }

  /// Whether Open MPI takes its internal locks (see
  /// `skipOpenMPIInternalLocks`); nil for any other MPI.
  public static var openMPIInternalLocks: Bool? {
    switch cmpi_openmpi_uses_threads() {
    case 1: return true
    case 0: return false
    default: return nil
    }
  }

  /// MPI_Finalize. Every communicator other than `Communicator.world` should be freed and every
  /// request completed first.
  public static func finalize() throws {
    try check(MPI_Finalize(), "MPI_Finalize")
  }

  /// Whether `MPI_Init_thread` has been called (MPI_Initialized; stays true after finalize).
  public static var isInitialized: Bool {
    var flag: Int32 = 0
    _ = MPI_Initialized(&flag)
    return flag != 0
  }

  /// Whether `MPI_Finalize` has been called (MPI_Finalized).
  public static var isFinalized: Bool {
    var flag: Int32 = 0
    _ = MPI_Finalized(&flag)
    return flag != 0
  }

  /// MPI_Abort on COMM_WORLD: terminates every process of the job with `code`.
  public static func abort(code: Int32) -> Never {
    _ = MPI_Abort(cmpi_comm_world(), code)
    fatalError("MPI_Abort(\(code)) returned")
  }

  /// This processor's name (MPI_Get_processor_name); empty if MPI cannot tell.
  public static var processorName: String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_processor_name()) + 1)
    var length: Int32 = 0
    let rc = buffer.withUnsafeMutableBufferPointer { MPI_Get_processor_name($0.baseAddress, &length) }
    guard rc == cmpi_success() else { return "" }
    return decode(buffer, length: length)
  }

  /// Seconds since an arbitrary point in the past (MPI_Wtime).
  public static func wallTime() -> Double {
    MPI_Wtime()
  }

  /// The MPI library's version string (MPI_Get_library_version), with surrounding whitespace trimmed.
  public static var libraryVersion: String {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_library_version_string()) + 1)
    var length: Int32 = 0
    let rc = buffer.withUnsafeMutableBufferPointer { MPI_Get_library_version($0.baseAddress, &length) }
    guard rc == cmpi_success() else { return "" }
    var text = Substring(decode(buffer, length: length))
    while let first = text.first, first.isWhitespace || first == "\0" { text.removeFirst() }
    while let last = text.last, last.isWhitespace || last == "\0" { text.removeLast() }
    return String(text)
  }

  /// Decodes the first `length` characters of a C string buffer (stopping early at a NUL).
  private static func decode(_ buffer: [CChar], length: Int32) -> String {
    let bytes = buffer.prefix(max(0, min(Int(length), buffer.count)))
      .prefix { $0 != 0 }
      .map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
  }
}
