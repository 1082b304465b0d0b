import CMPI

/// The level of thread support MPI provides (`MPI_THREAD_*`), ordered from least to most.
public enum ThreadLevel: Int32, Comparable, Sendable, CustomStringConvertible {
  /// `MPI_THREAD_SINGLE`: only one thread will execute.
  case single = 0
  /// `MPI_THREAD_FUNNELED`: only the thread that initialized MPI makes MPI calls.
  case funneled = 1
  /// `MPI_THREAD_SERIALIZED`: any thread may call MPI, but never two at once.
  case serialized = 2
  /// `MPI_THREAD_MULTIPLE`: any thread may call MPI at any time.
  case multiple = 3

  /// The corresponding `MPI_THREAD_*` constant of the MPI library.
  public var mpiValue: Int32 {
    switch self {
    case .single: return cmpi_thread_single()
    case .funneled: return cmpi_thread_funneled()
    case .serialized: return cmpi_thread_serialized()
    case .multiple: return cmpi_thread_multiple()
    }
  }

  /// The level for an `MPI_THREAD_*` constant, or nil if it is none of them.
  public init?(mpiValue: Int32) {
    switch mpiValue {
    case cmpi_thread_single(): self = .single
    case cmpi_thread_funneled(): self = .funneled
    case cmpi_thread_serialized(): self = .serialized
    case cmpi_thread_multiple(): self = .multiple
    default: return nil
    }
  }

  /// Orders levels from `.single` (least support) to `.multiple` (most).
  public static func < (lhs: ThreadLevel, rhs: ThreadLevel) -> Bool {
    lhs.rawValue < rhs.rawValue
  }

  /// The MPI constant's name, e.g. "MPI_THREAD_SERIALIZED".
  public var description: String {
    switch self {
    case .single: return "MPI_THREAD_SINGLE"
    case .funneled: return "MPI_THREAD_FUNNELED"
    case .serialized: return "MPI_THREAD_SERIALIZED"
    case .multiple: return "MPI_THREAD_MULTIPLE"
    }
  }
}
