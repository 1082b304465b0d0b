import CMPI

/// Collective operations. Every member of the communicator must call the same collective, in the
/// same order. Blocking and non-blocking (`i…`) collectives do not match each other (MPI-3.1 §5.12):
/// if one process uses `iscatterv`, all must use `iscatterv` (a blocking-style caller can `wait()` at once).
extension Communicator {
  /// Checks a root's per-rank byte counts and displacements against a buffer of `bufferCount`
  /// bytes and converts them to `Int32`.
  private func layout(
    _ counts: [Int], _ displacements: [Int], bufferCount: Int, hasBuffer: Bool, _ f: String
  ) throws -> (counts: [Int32], displacements: [Int32]) {
    guard counts.count == size, displacements.count == size else {
      throw MPIError.usage(
        f,
        "need one count and one displacement per rank (\(size)); got \(counts.count) and \(displacements.count)"
      )
    }
    let counts32 = try counts.map { try count32($0, f, "count") }
    let displacements32 = try displacements.map { try count32($0, f, "displacement") }
    for i in 0..<size where counts[i] > 0 {
      guard hasBuffer else {
        throw MPIError.usage(f, "the root's buffer is nil but rank \(i)'s count is \(counts[i])")
      }
      guard displacements[i] <= bufferCount - counts[i] else {
        throw MPIError.usage(
          f,
          "rank \(i)'s bytes \(displacements[i])..<\(displacements[i] + counts[i]) exceed the \(bufferCount)-byte buffer"
        )
      }
    }
    return (counts32, displacements32)
  }

  /// Converts a root rank, checking it is a rank of this communicator.
  private func root32(_ root: Int, _ f: String) throws -> Int32 {
    guard (0..<size).contains(root) else {
      throw MPIError.usage(f, "root \(root) is not a rank of a \(size)-process communicator")
    }
    return Int32(root)
  }

  /// The counts and displacements as MPI takes them: checked against the
  /// root's buffer at the root, empty elsewhere (where MPI ignores them).
  private func rootLayout(
    _ counts: [Int], _ displacements: [Int], buffer: UnsafeRawBufferPointer?, root: Int, _ f: String
  ) throws -> (counts: [Int32], displacements: [Int32]) {
    guard rank == root else { return ([], []) }
    return try layout(
      counts, displacements, bufferCount: buffer?.count ?? 0, hasBuffer: buffer?.baseAddress != nil, f)
  }

  // MARK: - Blocking collectives on bytes

  /// MPI_Barrier: returns once every member has entered it.
  public func barrier() throws {
    try check(MPI_Barrier(try live("MPI_Barrier")), "MPI_Barrier")
  }

  /// MPI_Bcast of `buffer` as MPI_BYTE from `root`; every rank passes a buffer of the same size.
  public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
    let f = "MPI_Bcast"
    let comm = try live(f)
    let count = try count32(buffer.count, f)
    try check(MPI_Bcast(buffer.baseAddress, count, cmpi_byte(), try root32(root, f), comm), f)
  }

  /// MPI_Scatterv on bytes. counts/displacements in bytes, one per rank, only read at root (pass [] elsewhere).
  /// sendBuffer nil except at root. Each rank's `receiveBuffer.count` must equal its count.
  public func scatterv(
    _ sendBuffer: UnsafeRawBufferPointer?, counts: [Int], displacements: [Int],
    into receiveBuffer: UnsafeMutableRawBufferPointer, root: Int
  ) throws {
    let f = "MPI_Scatterv"
    let comm = try live(f)
    let root32 = try root32(root, f)
    let receiveCount = try count32(receiveBuffer.count, f)
    let layout = try rootLayout(counts, displacements, buffer: sendBuffer, root: root, f)
    try check(
      MPI_Scatterv(
        sendBuffer?.baseAddress, layout.counts, layout.displacements, cmpi_byte(),
        receiveBuffer.baseAddress, receiveCount, cmpi_byte(), root32, comm), f)
  }

  /// MPI_Gatherv on bytes: every rank sends `sendBuffer`; the root places rank i's bytes at
  /// `displacements[i]` of `receiveBuffer`. counts/displacements in bytes, one per rank, only read at
  /// root (pass [] elsewhere); receiveBuffer nil except at root. Rank i's `sendBuffer.count` must equal `counts[i]`.
  public func gatherv(
    _ sendBuffer: UnsafeRawBufferPointer, into receiveBuffer: UnsafeMutableRawBufferPointer?,
    counts: [Int], displacements: [Int], root: Int
  ) throws {
    let f = "MPI_Gatherv"
    let comm = try live(f)
    let root32 = try root32(root, f)
    let sendCount = try count32(sendBuffer.count, f)
    let layout = try rootLayout(
      counts, displacements, buffer: receiveBuffer.map(UnsafeRawBufferPointer.init), root: root, f)
    try check(
      MPI_Gatherv(
        sendBuffer.baseAddress, sendCount, cmpi_byte(),
        receiveBuffer?.baseAddress, layout.counts, layout.displacements, cmpi_byte(), root32, comm), f)
  }

  // MARK: - Blocking typed collectives

  /// MPI_Gather of one value per rank: at root the values in rank order, `[]` elsewhere.
  public func gather<T: MPIScalar>(_ value: T, root: Int) throws -> [T] {
    let f = "MPI_Gather"
    let comm = try live(f)
    let root32 = try root32(root, f)
    let resultCount = rank == root ? size : 0
    return try withUnsafePointer(to: value) { valuePointer in
      try [T](unsafeUninitializedCapacity: resultCount) { buffer, initialized in
        try check(
          MPI_Gather(
            valuePointer, 1, T.mpiDatatype,
            rank == root ? buffer.baseAddress : nil, 1, T.mpiDatatype, root32, comm), f)
        initialized = resultCount
      }
    }
  }

  /// MPI_Allreduce of one value: every rank gets `op` applied over all ranks' values.
  public func allreduce<T: MPIScalar>(_ value: T, _ op: ReductionOperation) throws -> T {
    let f = "MPI_Allreduce"
    let comm = try live(f)
    var result = value
    try withUnsafePointer(to: value) { valuePointer in
      try withUnsafeMutablePointer(to: &result) { resultPointer in
        try check(MPI_Allreduce(valuePointer, resultPointer, 1, T.mpiDatatype, op.mpiOperation, comm), f)
      }
    }
    return result
  }

  /// MPI_Allreduce element-wise over arrays of the same length on every rank.
  public func allreduce<T: MPIScalar>(_ values: [T], _ op: ReductionOperation) throws -> [T] {
    let f = "MPI_Allreduce"
    let comm = try live(f)
    let count = try count32(values.count, f)
    return try values.withUnsafeBufferPointer { input in
      try [T](unsafeUninitializedCapacity: values.count) { buffer, initialized in
        try check(
          MPI_Allreduce(input.baseAddress, buffer.baseAddress, count, T.mpiDatatype, op.mpiOperation, comm), f
        )
        initialized = values.count
      }
    }
  }

  /// MPI_Reduce element-wise over arrays of the same length: the result at root, `[]` elsewhere.
  public func reduce<T: MPIScalar>(_ values: [T], _ op: ReductionOperation, root: Int) throws -> [T] {
    let f = "MPI_Reduce"
    let comm = try live(f)
    let count = try count32(values.count, f)
    let root32 = try root32(root, f)
    let resultCount = rank == root ? values.count : 0
    return try values.withUnsafeBufferPointer { input in
      try [T](unsafeUninitializedCapacity: resultCount) { buffer, initialized in
        try check(
          MPI_Reduce(
            input.baseAddress, rank == root ? buffer.baseAddress : nil, count, T.mpiDatatype,
            op.mpiOperation, root32, comm), f)
        initialized = resultCount
      }
    }
  }

  // MARK: - Non-blocking collectives (MPI-3)

  /// MPI_Ibarrier: completes once every member has entered it.
  public func ibarrier() throws -> Request {
    let f = "MPI_Ibarrier"
    let comm = try live(f)
    return try Request(f) { request, _ in MPI_Ibarrier(comm, request) }
  }

  /// MPI_Ibcast of `buffer` as MPI_BYTE from `root`. The caller keeps `buffer` alive until completion.
  public func ibroadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws -> Request {
    let f = "MPI_Ibcast"
    let comm = try live(f)
    let count = try count32(buffer.count, f)
    let root32 = try root32(root, f)
    return try Request(f) { request, _ in
      MPI_Ibcast(buffer.baseAddress, count, cmpi_byte(), root32, comm, request)
    }
  }

  /// MPI_Iscatterv: the non-blocking `scatterv` (same arguments). The caller keeps both buffers alive
  /// until completion; the counts and displacements are copied into the request.
  public func iscatterv(
    _ sendBuffer: UnsafeRawBufferPointer?, counts: [Int], displacements: [Int],
    into receiveBuffer: UnsafeMutableRawBufferPointer, root: Int
  ) throws -> Request {
    let f = "MPI_Iscatterv"
    let comm = try live(f)
    let root32 = try root32(root, f)
    let receiveCount = try count32(receiveBuffer.count, f)
    let layout = try rootLayout(counts, displacements, buffer: sendBuffer, root: root, f)
    return try Request(f, arrays: [layout.counts, layout.displacements]) { request, arrays in
      MPI_Iscatterv(
        sendBuffer?.baseAddress, arrays[0], arrays[1], cmpi_byte(),
        receiveBuffer.baseAddress, receiveCount, cmpi_byte(), root32, comm, request)
    }
  }

  /// MPI_Igatherv: the non-blocking `gatherv` (same arguments). The caller keeps both buffers alive
  /// until completion; the counts and displacements are copied into the request.
  public func igatherv(
    _ sendBuffer: UnsafeRawBufferPointer, into receiveBuffer: UnsafeMutableRawBufferPointer?,
    counts: [Int], displacements: [Int], root: Int
  ) throws -> Request {
    let f = "MPI_Igatherv"
    let comm = try live(f)
    let root32 = try root32(root, f)
    let sendCount = try count32(sendBuffer.count, f)
    let layout = try rootLayout(
      counts, displacements, buffer: receiveBuffer.map(UnsafeRawBufferPointer.init), root: root, f)
    return try Request(f, arrays: [layout.counts, layout.displacements]) { request, arrays in
      MPI_Igatherv(
        sendBuffer.baseAddress, sendCount, cmpi_byte(),
        receiveBuffer?.baseAddress, arrays[0], arrays[1], cmpi_byte(), root32, comm, request)
    }
  }

  /// MPI_Igather on bytes: every rank sends the first `bytesPerRank` bytes of `sendBuffer`; the root
  /// receives rank i's bytes at offset `i * bytesPerRank` of `receiveBuffer` (at least
  /// `size * bytesPerRank` bytes; nil elsewhere). The caller keeps both buffers alive until completion.
  public func igather(
    _ sendBuffer: UnsafeRawBufferPointer, into receiveBuffer: UnsafeMutableRawBufferPointer?,
    bytesPerRank: Int, root: Int
  ) throws -> Request {
    let f = "MPI_Igather"
    let comm = try live(f)
    let root32 = try root32(root, f)
    let count = try count32(bytesPerRank, f)
    guard sendBuffer.count >= bytesPerRank else {
      throw MPIError.usage(
        f, "send buffer of \(sendBuffer.count) bytes is smaller than bytesPerRank \(bytesPerRank)")
    }
    if rank == root {
      let (total, overflow) = bytesPerRank.multipliedReportingOverflow(by: size)
      guard !overflow, total == 0 || (receiveBuffer?.baseAddress != nil && receiveBuffer!.count >= total)
      else {
        throw MPIError.usage(
          f,
          "receive buffer of \(receiveBuffer?.count ?? 0) bytes is smaller than \(size) × \(bytesPerRank) bytes"
        )
      }
    }
    return try Request(f) { request, _ in
      MPI_Igather(
        sendBuffer.baseAddress, count, cmpi_byte(),
        receiveBuffer?.baseAddress, count, cmpi_byte(), root32, comm, request)
    }
  }
}
