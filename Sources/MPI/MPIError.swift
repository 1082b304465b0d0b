import CMPI

/// Every MPI call's error: the MPI function that failed, its error code and MPI's error string.
///
/// Errors detected by this layer before calling MPI (a count that does not fit in `Int32`,
/// a buffer that is too small, a communicator that was already freed) use code `-1`.
public struct MPIError: Error, CustomStringConvertible, Sendable {
  /// The MPI function that failed, e.g. `"MPI_Send"`.
  public let function: String
  /// The error code MPI returned, or `-1` for an error found by this layer.
  public let code: Int32
  /// MPI's error string for `code` (from `MPI_Error_string`), or this layer's explanation.
  public let message: String

  /// Creates an error for `function` with an explicit code and message.
  public init(function: String, code: Int32, message: String) {
    self.function = function
    self.code = code
    self.message = message
  }

  /// "MPI_Send failed (code 6): MPI_ERR_RANK: invalid rank".
  public var description: String {
    "\(function) failed (code \(code)): \(message)"
  }

  /// An error for `code` returned by `function`, with the message from `MPI_Error_string`.
  static func fromCode(_ code: Int32, function: String) -> MPIError {
    var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
    var length: Int32 = 0
    let rc = buffer.withUnsafeMutableBufferPointer { MPI_Error_string(code, $0.baseAddress, &length) }
    let message: String
    if rc == cmpi_success() {
      let bytes = buffer.prefix(max(0, min(Int(length), buffer.count))).map { UInt8(bitPattern: $0) }
      message = String(decoding: bytes, as: UTF8.self)
    } else {
      message = "unknown MPI error"
    }
    return MPIError(function: function, code: code, message: message)
  }

  /// An error detected by this layer (code -1) on behalf of `function`.
  static func usage(_ function: String, _ message: String) -> MPIError {
    MPIError(function: function, code: -1, message: message)
  }
}

/// Throws an `MPIError` naming `function` unless `code` is `MPI_SUCCESS`.
@inline(__always)
func check(_ code: Int32, _ function: String) throws {
  if code != cmpi_success() { throw MPIError.fromCode(code, function: function) }
}

/// Converts a count, rank, tag or displacement to the `int` MPI expects, throwing for values that do not fit.
/// (Inlined, with the error made out of line: a call cost more than the check, on every send.)
@inline(__always)
func int32(_ value: Int, _ function: String, _ what: String = "count") throws -> Int32 {
  guard let converted = Int32(exactly: value) else {
    throw outOfRange(value, function, what, "exceeds Int32")
  }
  return converted
}

/// Converts a non-negative count (`what` names it in the error) to `Int32`.
@inline(__always)
func count32(_ value: Int, _ function: String, _ what: String = "count") throws -> Int32 {
  if value < 0 { throw outOfRange(value, function, what, "is negative") }
  return try int32(value, function, what)
}

/// The error of a value `int32` or `count32` cannot pass to MPI.
@inline(never)
private func outOfRange(_ value: Int, _ function: String, _ what: String, _ problem: String) -> MPIError {
  MPIError.usage(function, "\(what) \(value) \(problem)")
}
