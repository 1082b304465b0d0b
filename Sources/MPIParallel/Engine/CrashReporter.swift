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
  nonisolated(unsafe) private static let prefix = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
  nonisolated(unsafe) private static var prefixLength = 0
  nonisolated(unsafe) private static let function = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
  nonisolated(unsafe) private static var functionLength = 0
  nonisolated(unsafe) private static var taskID = -1
  nonisolated(unsafe) private static var recordedFunction = ""

  private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

  /// Installs the handlers; `who` names the engine, e.g. "engine 2 (rank 3, host h, pid 42)".
  static func install(who: String) {
    prefixLength = copy("MPIParallel: " + who, into: prefix)
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
    taskID = id
    if name != recordedFunction {
      recordedFunction = name
      functionLength = copy(name, into: function)
    }
  }

  /// Nothing is running.
  static func idle() { taskID = -1 }

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
    write(prefix, prefixLength)
    write(" died of ")
    write(name(of: signal))
    write(" (signal ")
    write(number: Int(signal))
    write(")")
    if taskID >= 0 {
      write(" while running task ")
      write(number: taskID)
      write(" (function '")
      write(function, functionLength)
      write("')")
    }
    write("; MPI ends the job\n")
    raise(signal)
  }
}
