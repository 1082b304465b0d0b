#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// When a task crashes its engine (a trap, `fatalError`, a bad pointer), MPI
/// ends the whole job; before it does, this handler prints which engine died
/// and what it was running, using only async-signal-safe calls.
enum CrashReporter {
  private static let capacity = 512

  /// What the handler reports, and where it marks the journal.
  private struct Record {
    var prefixLength = 0
    var functionLength = 0
    var taskID = -1
    var recordedFunction = ""
    /// Where to append "FUNCTION\tKEYHEX\n" for the journal when a task crashes (nil: no journal).
    var markerPath: UnsafeMutablePointer<CChar>?
    var keyHigh: UInt64 = 0
    var keyLow: UInt64 = 0
    var hasKey = false
    /// Whether Open MPI keeps the job going (`mpirun --enable-recovery`).
    var survivesLoss = false
  }

  // Safe: the engine's thread writes these between tasks; the handler reads them as a task crashes.
  nonisolated(unsafe) private static var record = Record()
  nonisolated(unsafe) private static let prefix = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
  nonisolated(unsafe) private static let function = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)

  /// Crashes append a marker line to `path` (the journal's crash-marker file).
  static func recordCrashes(in path: String) {
    record.markerPath = strdup(path)
  }

  /// Whether crash markers are written (then engines compute each call's key).
  static var recordsCrashes: Bool { record.markerPath != nil }

  /// The running call's journal key (its function and arguments).
  @inline(__always)
  static func running(key: TaskKey?) {
    guard let key else {
      record.hasKey = false
      return
    }
    record.keyHigh = key.high
    record.keyLow = key.low
    record.hasKey = true
  }

  private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

  /// Installs the handlers; `who` names the engine, e.g. "engine 2 (rank 3, host h, pid 42)".
  static func install(who: String) {
    record.survivesLoss = getenv("OMPI_MCA_orte_enable_recovery").map { String(cString: $0) == "1" } ?? false
    record.prefixLength = copy("MPIParallel: " + who, into: prefix)
    for signal in signals {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { signal in CrashReporter.report(signal) }
      sigemptyset(&action.sa_mask)
      action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
      sigaction(signal, &action, nil)
    }
  }

  /// Records the task now running (cheap: a copy of the name).
  @inline(__always)
  static func running(taskID id: Int, function name: String) {
    record.taskID = id
    if name != record.recordedFunction {
      record.recordedFunction = name
      record.functionLength = copy(name, into: function)
    }
  }

  /// The task now running (-1: none), for the exit note (`LivenessBeacon`).
  static var runningTaskID: Int { record.taskID }

  /// Nothing is running.
  static func idle() {
    record.taskID = -1
    record.hasKey = false
  }

  private static func copy(_ string: String, into buffer: UnsafeMutablePointer<UInt8>) -> Int {
    var length = 0
    for byte in string.utf8 where length < capacity {
      buffer[length] = byte
      length += 1
    }
    return length
  }

  private static func write(_ pointer: UnsafePointer<UInt8>, _ count: Int) {
    _ = Glibc.write(2, pointer, count)
  }

  private static func write(_ text: StaticString) {
    write(text.utf8Start, text.utf8CodeUnitCount)
  }

  private static func write(number: Int) {
    var digits:
      (
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
      ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    withUnsafeMutableBytes(of: &digits) { buffer in
      var value = number < 0 ? 0 : number
      var index = buffer.count
      repeat {
        index -= 1
        buffer[index] = UInt8(48 + value % 10)
        value /= 10
      } while value > 0 && index > 0
      write(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + index, buffer.count - index)
    }
  }

  private static func name(of signal: Int32) -> StaticString {
    switch signal {
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGSEGV: return "SIGSEGV"
    case SIGBUS: return "SIGBUS"
    case SIGFPE: return "SIGFPE"
    case SIGABRT: return "SIGABRT"
    default: return "signal"
    }
  }

  private static func report(_ signal: Int32) {
    write(prefix, record.prefixLength)
    write(" died of ")
    write(name(of: signal))
    write(" (signal ")
    write(number: Int(signal))
    write(")")
    if record.taskID >= 0 {
      write(" while running task ")
      write(number: record.taskID)
      write(" (function '")
      write(function, record.functionLength)
      write("')")
    }
    if record.survivesLoss {
      write("; the job goes on without it\n")
    } else {
      write("; MPI ends the job\n")
    }
    LivenessBeacon.noteCrash(signal: signal, taskID: record.taskID)
    if record.taskID >= 0 && record.hasKey, let markerPath = record.markerPath {
      let file = open(markerPath, O_WRONLY | O_APPEND | O_CREAT, 0o644)
      if file >= 0 {
        _ = Glibc.write(file, function, record.functionLength)
        var line:
          (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
          ) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0
          )
        withUnsafeMutableBytes(of: &line) { buffer in
          let digits: StaticString = "0123456789abcdef"
          buffer[0] = 9  // tab
          // No allocation in a signal handler: two plain loops over the key's halves.
          for nibble in 0..<16 {
            let shift = UInt64(60 - 4 * nibble)
            buffer[1 + nibble] = digits.utf8Start[Int((record.keyHigh >> shift) & 0xF)]
            buffer[17 + nibble] = digits.utf8Start[Int((record.keyLow >> shift) & 0xF)]
          }
          buffer[33] = 10  // newline
          _ = Glibc.write(file, buffer.baseAddress!, 34)
        }
        close(file)
      }
    }
    raise(signal)
  }
}
