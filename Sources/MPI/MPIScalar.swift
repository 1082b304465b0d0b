import CMPI

/// Numbers that map to an MPI datatype.
public protocol MPIScalar: BitwiseCopyable, Sendable {
  /// The MPI datatype describing one value of this type.
  static var mpiDatatype: MPI_Datatype { get }
}

/// `Int` is sent as a 64-bit (or, on 32-bit platforms, 32-bit) signed integer.
extension Int: MPIScalar {
  /// `MPI_INT64_T` on 64-bit platforms, `MPI_INT32_T` on 32-bit ones.
  public static var mpiDatatype: MPI_Datatype {
    #if arch(x86_64) || arch(arm64) || arch(powerpc64) || arch(powerpc64le) || arch(s390x) || arch(riscv64)
      return cmpi_int64()
    #else
      return cmpi_int32()
    #endif
  }
}

/// `UInt` is sent as a 64-bit (or, on 32-bit platforms, 32-bit) unsigned integer.
extension UInt: MPIScalar {
  /// `MPI_UINT64_T` on 64-bit platforms, `MPI_UINT32_T` on 32-bit ones.
  public static var mpiDatatype: MPI_Datatype {
    #if arch(x86_64) || arch(arm64) || arch(powerpc64) || arch(powerpc64le) || arch(s390x) || arch(riscv64)
      return cmpi_uint64()
    #else
      return cmpi_uint32()
    #endif
  }
}

/// `Int8` maps to `MPI_INT8_T`.
extension Int8: MPIScalar {
  /// `MPI_INT8_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_int8() }
}

/// `Int16` maps to `MPI_INT16_T`.
extension Int16: MPIScalar {
  /// `MPI_INT16_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_int16() }
}

/// `Int32` maps to `MPI_INT32_T`.
extension Int32: MPIScalar {
  /// `MPI_INT32_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_int32() }
}

/// `Int64` maps to `MPI_INT64_T`.
extension Int64: MPIScalar {
  /// `MPI_INT64_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_int64() }
}

/// `UInt8` maps to `MPI_UINT8_T`.
extension UInt8: MPIScalar {
  /// `MPI_UINT8_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_uint8() }
}

/// `UInt16` maps to `MPI_UINT16_T`.
extension UInt16: MPIScalar {
  /// `MPI_UINT16_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_uint16() }
}

/// `UInt32` maps to `MPI_UINT32_T`.
extension UInt32: MPIScalar {
  /// `MPI_UINT32_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_uint32() }
}

/// `UInt64` maps to `MPI_UINT64_T`.
extension UInt64: MPIScalar {
  /// `MPI_UINT64_T`.
  public static var mpiDatatype: MPI_Datatype { cmpi_uint64() }
}

/// `Float` maps to `MPI_FLOAT`.
extension Float: MPIScalar {
  /// `MPI_FLOAT`.
  public static var mpiDatatype: MPI_Datatype { cmpi_float() }
}

/// `Double` maps to `MPI_DOUBLE`.
extension Double: MPIScalar {
  /// `MPI_DOUBLE`.
  public static var mpiDatatype: MPI_Datatype { cmpi_double() }
}
