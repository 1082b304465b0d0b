import CMPI

/// A reduction applied element-wise by `allreduce` and `reduce`.
public enum ReductionOperation: Sendable {
  /// `MPI_SUM`.
  case sum
  /// `MPI_PROD`.
  case product
  /// `MPI_MIN`.
  case minimum
  /// `MPI_MAX`.
  case maximum

  /// The predefined MPI operation handle.
  public var mpiOperation: MPI_Op {
    switch self {
    case .sum: return cmpi_op_sum()
    case .product: return cmpi_op_prod()
    case .minimum: return cmpi_op_min()
    case .maximum: return cmpi_op_max()
    }
  }
}
