import CMPI

/// A non-blocking operation. Holds any storage (e.g. Int32 count arrays) the call needs until completion.
///
/// Complete every request with `wait()` or by calling `test()` until it returns true. A request
/// dropped before it completes leaks its MPI request and storage on purpose: MPI may still be
/// using them, and the MPI standard forbids freeing a pending non-blocking collective.
/// Like every MPI object, a request must not be used by two threads at once.
// Safe: one thread at a time uses a request (see above); `function` never changes.
public final class Request: @unchecked Sendable {
  /// The MPI function that started the operation, for error messages.
  private let function: String
  // One thread at a time uses a request (see above): its fields skip the
  // dynamic exclusivity checks, two per `test()`.
  /// The MPI request handle; `MPI_REQUEST_NULL` once MPI has completed it.
  // Safe: used by one thread at a time (see the type).
  @exclusivity(unchecked) private var handle: MPI_Request?
  /// Argument arrays MPI reads until completion (counts, displacements); freed on completion.
  // Safe: used by one thread at a time (see the type).
  @exclusivity(unchecked) private var storage: [UnsafeMutableBufferPointer<Int32>]
  /// Whether the operation has completed (successfully or with an error).
  // Safe: used by one thread at a time (see the type).
  @exclusivity(unchecked) public private(set) var isComplete: Bool = false

  /// Copies `arrays` into storage the request owns, then calls `start` with a pointer to the request
  /// handle and the storage's base addresses (in the order of `arrays`). Throws if `start` fails.
  init(
    _ function: String, arrays: [[Int32]] = [],
    start: (_ request: UnsafeMutablePointer<MPI_Request?>, _ arrays: [UnsafeMutablePointer<Int32>]) -> Int32
  ) throws {
    self.function = function
    self.handle = cmpi_request_null()
    self.storage = arrays.map { array in
      let buffer = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(array.count, 1))
      buffer.initialize(repeating: 0)
      _ = buffer.initialize(from: array)
      return buffer
    }
    let rc = start(&handle, storage.map { $0.baseAddress! })
    if rc != cmpi_success() {
      finish()
      throw MPIError.fromCode(rc, function: function)
    }
  }

  /// A request MPI has started and not completed (no storage).
  init(_ function: String, pending handle: MPI_Request?) {
    self.function = function
    self.handle = handle
    self.storage = []
  }

  /// Marks the request complete and releases its storage.
  private func finish() {
    isComplete = true
    for buffer in storage { buffer.deallocate() }
    storage = []
  }

  /// MPI_Test; true once complete (and stays true). Throws the operation's error, once.
  public func test() throws -> Bool {
    if isComplete { return true }
    var flag: Int32 = 0
    let rc = MPI_Test(&handle, &flag, cmpi_status_ignore())
    if rc != cmpi_success() {
      finish()
      throw MPIError.fromCode(rc, function: "MPI_Test (\(function))")
    }
    if flag != 0 { finish() }
    return isComplete
  }

  /// MPI_Wait: blocks until the operation completes. Returns at once if it already has.
  public func wait() throws {
    if isComplete { return }
    let rc = MPI_Wait(&handle, cmpi_status_ignore())
    finish()
    if rc != cmpi_success() { throw MPIError.fromCode(rc, function: "MPI_Wait (\(function))") }
  }

  /// Frees the storage of a completed request; leaks it (see the type's documentation) otherwise.
  deinit {
    if isComplete {
      for buffer in storage { buffer.deallocate() }
    }
  }
}
