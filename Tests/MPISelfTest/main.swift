// mpi-selftest: exercises every part of the MPI module under `mpirun -np N` (N >= 2).
// Each check compares with expected values; on a mismatch it prints "FAIL: <what>" to stderr
// and exits 1 (mpirun then ends the job). Rank 0 prints
// "mpi-selftest: all checks passed on N ranks" when every rank got to the end.
import MPI
import Synchronization

// `@preconcurrency`: Swift 6 code may then name C's `stdout` and `stderr`,
// global variables it otherwise refuses as shared mutable state.
#if canImport(Glibc)
  @preconcurrency import Glibc
#elseif canImport(Musl)
  @preconcurrency import Musl
#elseif canImport(Darwin)
  @preconcurrency import Darwin
#endif

/// This process's rank in world, for messages (set after initialize).
let myRank = Atomic<Int>(-1)

/// Prints "FAIL: <what>" to stderr and exits with status 1.
func fail(_ what: String) -> Never {
  fputs("FAIL: [rank \(myRank.load(ordering: .relaxed))] \(what)\n", stderr)
  fflush(stderr)
  exit(1)
}

/// Fails with `what` unless `condition` holds.
func expect(_ condition: Bool, _ what: @autoclosure () -> String) {
  if !condition { fail(what()) }
}

/// Fails unless `actual == expected`.
func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: @autoclosure () -> String) {
  if actual != expected {
    let a = "\(actual)"
    let e = "\(expected)"
    fail("\(what()): got \(a.prefix(200)), expected \(e.prefix(200))")
  }
}

/// Runs `body`, failing unless it throws an MPIError; returns that error.
@discardableResult
func expectMPIError(_ what: String, _ body: () throws -> Void) -> MPIError {
  do {
    try body()
  } catch let error as MPIError {
    return error
  } catch {
    fail("\(what): threw \(error), expected an MPIError")
  }
  fail("\(what): did not throw")
}

/// Deterministic test bytes.
func pattern(_ count: Int, seed: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7 &+ ($0 >> 8)) }
}

/// Calls `test()` on every request until all are complete; returns the number of polling rounds.
@discardableResult
func pollAll(_ requests: [Request]) throws -> Int {
  var rounds = 0
  while true {
    var done = true
    for request in requests where !(try request.test()) { done = false }
    if done { break }
    rounds += 1
  }
  for request in requests {
    expect(request.isComplete, "request isComplete after test() returned true")
    expect(try request.test(), "test() stays true after completion")
  }
  try requests.forEach { try $0.wait() }  // waiting on a completed request returns at once
  return rounds
}

// MARK: - Checks

func checkEnvironment(_ world: Communicator, provided: ThreadLevel) throws {
  expect(provided >= .serialized, "provided thread level \(provided) >= MPI_THREAD_SERIALIZED")
  expect(
    ThreadLevel.single < .funneled && .funneled < .serialized && .serialized < .multiple, "ThreadLevel order")
  for level in [ThreadLevel.single, .funneled, .serialized, .multiple] {
    expectEqual(ThreadLevel(mpiValue: level.mpiValue), level, "ThreadLevel round trip")
  }
  expect(MPI.isInitialized, "isInitialized after initialize")
  expect(!MPI.isFinalized, "!isFinalized before finalize")
  expect(!MPI.processorName.isEmpty, "processorName is not empty")
  expect(MPI.libraryVersion.contains("MPI"), "libraryVersion mentions MPI: \(MPI.libraryVersion)")
  expect(MPI.libraryVersion.last.map { !$0.isWhitespace } ?? false, "libraryVersion is trimmed")
  let t0 = MPI.wallTime()
  expect(MPI.wallTime() >= t0, "wallTime does not go backwards")
  expect(world.size >= 2, "at least 2 ranks (got \(world.size))")
  expect((0..<world.size).contains(world.rank), "rank \(world.rank) in 0..<\(world.size)")
  expectEqual(try world.allreduce(1, .sum), world.size, "allreduce(1) == size")
  expectMPIError("initialize twice") { _ = try MPI.initialize(requesting: .serialized) }
}

/// Open MPI takes its own locks above MPI_THREAD_SINGLE; they can be turned
/// off, and every check after this one runs without them (one thread here).
func checkOpenMPILocks() {
  expectEqual(MPI.openMPIInternalLocks, true, "Open MPI's locks after MPI_Init_thread(serialized)")
  expect(MPI.skipOpenMPIInternalLocks(), "skipOpenMPIInternalLocks found Open MPI's flag")
  expectEqual(MPI.openMPIInternalLocks, false, "Open MPI's locks after skipOpenMPIInternalLocks")
}

func checkSplit(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  // Even / odd.
  guard let parity = try world.split(color: r % 2, key: r) else { fail("split(even/odd) returned nil") }
  let sameParity = (0..<n).filter { $0 % 2 == r % 2 }
  expectEqual(parity.size, sameParity.count, "even/odd split size")
  expectEqual(parity.rank, r / 2, "even/odd split rank")
  expectEqual(try parity.allreduce(r, .sum), sameParity.reduce(0, +), "allreduce over even/odd split")
  try parity.free()
  expectMPIError("use of a freed communicator") { try parity.barrier() }
  expectMPIError("free twice") { try parity.free() }
  // Reversed order by key.
  guard let reversed = try world.split(color: 0, key: -r) else { fail("split(key: -rank) returned nil") }
  expectEqual(reversed.rank, n - 1 - r, "split by descending key: rank")
  try reversed.free()
  // Color nil on rank 0.
  let others = try world.split(color: r == 0 ? nil : 7, key: 0)
  if r == 0 {
    expect(others == nil, "split(color: nil) returns nil")
  } else {
    guard let others else { fail("split(color: 7) returned nil") }
    expectEqual(others.size, n - 1, "split without rank 0: size")
    expectEqual(others.rank, r - 1, "split without rank 0: rank")
    expectEqual(try others.allreduce(r, .maximum), n - 1, "allreduce over split without rank 0")
    try others.free()
  }
  expectMPIError("free world") { try world.free() }
}

func checkSubcommunicator(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let members = [n - 1] + Array(stride(from: 0, to: n - 1, by: 2))
  if let index = members.firstIndex(of: r) {
    let sub = try world.createSubcommunicator(ranks: members, tag: 77)
    expectEqual(sub.size, members.count, "subcommunicator size")
    expectEqual(sub.rank, index, "subcommunicator rank follows ranks' order")
    expectEqual(try sub.allreduce(r, .sum), members.reduce(0, +), "allreduce over subcommunicator")
    let gathered = try sub.gather(r, root: 0)
    expectEqual(gathered, sub.rank == 0 ? members : [], "gather of world ranks over subcommunicator")
    var token = [UInt8](repeating: sub.rank == 1 ? 42 : 0, count: 3)
    try token.withUnsafeMutableBytes { try sub.broadcast($0, root: 1) }
    expectEqual(token, [42, 42, 42], "broadcast over subcommunicator")
    try sub.free()
  } else {
    expectMPIError("createSubcommunicator by a non-member") {
      _ = try world.createSubcommunicator(ranks: members, tag: 78)
    }
  }
  try world.barrier()
}

/// Workers send messages of 0 bytes, 1 byte, 17 bytes and 1 MB (more than the eager limit) to rank 0,
/// which polls probeMessage while they are blocked in send; then rank 0 isends to every worker.
func checkPointToPoint(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  func sizes(_ source: Int) -> [Int] { [0, 1, 17, 1_000_000 + source] }
  if r == 0 {
    expect(try world.probeMessage(from: 1, tag: 999) == nil, "probeMessage finds nothing that was not sent")
    var next = [Int](repeating: 0, count: n)  // next expected size index per source
    var remaining = (n - 1) * 4
    var emptyPolls = 0
    var received = 0
    while remaining > 0 {
      guard let message = try world.probeMessage(from: nil, tag: nil) else {
        emptyPolls += 1
        continue
      }
      let source = message.source
      let k = message.tag - 10
      expect((1..<n).contains(source), "probed message source \(source)")
      expectEqual(k, next[source], "tag order of messages from rank \(source)")
      expectEqual(message.byteCount, sizes(source)[k], "byteCount of message \(k) from rank \(source)")
      let bytes: [UInt8]
      if received % 2 == 0 {
        bytes = try message.receive()
      } else {
        var buffer = [UInt8](repeating: 0, count: message.byteCount + 5)
        try buffer.withUnsafeMutableBytes { try message.receive(into: $0) }
        expectEqual(Array(buffer.suffix(5)), [0, 0, 0, 0, 0], "receive(into:) writes only byteCount bytes")
        bytes = Array(buffer.prefix(message.byteCount))
      }
      expect(message.isReceived, "message isReceived")
      expectMPIError("receiving a message twice") { _ = try message.receive() }
      expect(
        bytes == pattern(sizes(source)[k], seed: source * 10 + k),
        "contents of message \(k) from rank \(source)")
      next[source] += 1
      remaining -= 1
      received += 1
    }
    // Non-blocking sends to every worker, completed by a test() loop.
    var buffers: [UnsafeMutableRawBufferPointer] = []
    var requests: [Request] = []
    for worker in 1..<n {
      for (tag, count) in [(20, 1_000_000 + worker), (21, 5)] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        buffer.copyBytes(from: pattern(count, seed: worker + tag))
        buffers.append(buffer)
        requests.append(try world.isend(UnsafeRawBufferPointer(buffer), to: worker, tag: tag))
      }
    }
    try pollAll(requests)
    buffers.forEach { $0.deallocate() }
  } else {
    for (k, count) in sizes(r).enumerated() {
      if k % 2 == 0 {
        try world.send(pattern(count, seed: r * 10 + k), to: 0, tag: 10 + k)
      } else {
        try pattern(count, seed: r * 10 + k).withUnsafeBytes { try world.send($0, to: 0, tag: 10 + k) }
      }
    }
    // Receive the small message first, by tag, while the large one is still pending.
    for (tag, count) in [(21, 5), (20, 1_000_000 + r)] {
      let message = try world.waitForMessage(from: 0, tag: tag)
      expectEqual(message.source, 0, "waitForMessage source")
      expectEqual(message.tag, tag, "waitForMessage tag")
      expectEqual(message.byteCount, count, "waitForMessage byteCount")
      expect(
        try message.receive() == pattern(count, seed: r + tag), "contents of isend message with tag \(tag)")
    }
  }
  try world.barrier()
}

/// Workers send messages of 0, 1, 1,500 (past the stack buffer) and 1 MB bytes, which rank 0
/// takes with receiveMessage; then rank 0 sends to every worker with isendUnlessDone, small and
/// large, completing those that did not finish at once.
func checkMatchedReceive(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let sizes = [0, 1, 1_500, 1_000_000]
  if r == 0 {
    expect(
      try world.receiveMessage(from: 1, tag: 999) == nil, "receiveMessage finds nothing that was not sent")
    for worker in 1..<n {
      for (k, count) in sizes.enumerated() {
        var message: (bytes: [UInt8], source: Int, tag: Int)?
        while message == nil { message = try world.receiveMessage(from: worker, tag: 30 + k) }
        expectEqual(message!.source, worker, "receiveMessage source")
        expectEqual(message!.tag, 30 + k, "receiveMessage tag")
        expect(
          message!.bytes == pattern(count, seed: worker + k), "receiveMessage contents of \(count) bytes")
      }
    }
    var buffers: [[UInt8]] = []
    var pending: [Request] = []
    for worker in 1..<n {
      for (tag, count) in [(40, 5), (41, 1_000_000)] {
        buffers.append(pattern(count, seed: worker * 3 + tag))
        if let request = try buffers.last!.withUnsafeBytes({
          try world.isendUnlessDone($0, to: worker, tag: tag)
        }) {
          expect(!request.isComplete, "a request isendUnlessDone returns is still in progress")
          pending.append(request)
        }
      }
    }
    try pollAll(pending)
  } else {
    for (k, count) in sizes.enumerated() { try world.send(pattern(count, seed: r + k), to: 0, tag: 30 + k) }
    for (tag, count) in [(40, 5), (41, 1_000_000)] {
      let message = try world.waitForMessage(from: 0, tag: tag)
      expect(
        try message.receive() == pattern(count, seed: r * 3 + tag), "isendUnlessDone contents, tag \(tag)")
    }
  }
  try world.barrier()
}

/// Posted receives: rank 0 keeps one per worker; each worker keeps one from
/// rank 0. Messages of every size up to the capacity arrive whole and, per
/// source, in order; a slot takes its next message only after `next()`
/// posts it again; `cancel` ends them.
func checkReceiveSlots(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let capacity = 4_096
  let sizes = [0, 1, 33, 4_095, 4_096, 17, 2_000]
  if r == 0 {
    let slots = try ReceiveSlots(communicator: world, sources: Array(1..<n), capacity: capacity)
    var next = [Int](repeating: 0, count: n)
    var received = 0
    while received < (n - 1) * sizes.count {
      guard let arrival = try slots.next() else { continue }
      let k = next[arrival.source]
      expectEqual(arrival.slot, arrival.source - 1, "slot of rank \(arrival.source)")
      expectEqual(arrival.tag, 60 + k, "posted receive from \(arrival.source): message \(k) in order")
      expectEqual(arrival.byteCount, sizes[k], "posted receive size")
      expect(
        Array(slots.bytes(of: arrival)) == pattern(sizes[k], seed: arrival.source + k),
        "posted receive contents of \(sizes[k]) bytes")
      next[arrival.source] += 1
      received += 1
    }
    expect(try slots.next() == nil, "no arrival once every message was taken")
    for worker in 1..<n { try world.send([UInt8(worker)], to: worker, tag: 70) }
    try slots.cancel()
    expect(try slots.next() == nil, "no arrival after cancel")
    // A message past the capacity is an error, not a silent cut.
    let small = try ReceiveSlots(communicator: world, sources: [1], capacity: 8)
    try world.send([UInt8(1)], to: 1, tag: 71)
    var failure: Error?
    while failure == nil {
      do {
        if try small.next() != nil { fail("a message past the capacity arrived") }
      } catch {
        failure = error
      }
    }
    expect(failure is MPIError, "a message past the capacity throws an MPIError (\(failure!))")
  } else {
    for (k, count) in sizes.enumerated() { try world.send(pattern(count, seed: r + k), to: 0, tag: 60 + k) }
    let slots = try ReceiveSlots(communicator: world, sources: [0], capacity: capacity)
    var arrival: ReceiveSlots.Arrival?
    while arrival == nil { arrival = try slots.next() }
    expectEqual(arrival!.tag, 70, "posted receive from rank 0")
    expectEqual(Array(slots.bytes(of: arrival!)), [UInt8(r)], "posted receive from rank 0: contents")
    if r == 1 {
      let message = try world.waitForMessage(from: 0, tag: 71)
      expectEqual(try message.receive(), [UInt8(1)], "go-ahead")
      try world.send(pattern(9, seed: 0), to: 0, tag: 72)
    }
    // Its slot was not posted again: nothing to cancel.
    try slots.cancel()
  }
  try world.barrier()
}

/// Rank 0 sends an array of each scalar type to each worker, which sends it back reversed.
func checkTyped<T: MPIScalar & Equatable>(_ world: Communicator, _ type: T.Type, tag: Int, _ make: (Int) -> T)
  throws
{
  let r = world.rank
  let n = world.size
  func values(_ worker: Int) -> [T] { (0..<(worker + 3)).map { make($0 * 3 + worker) } }
  if r == 0 {
    for worker in 1..<n { try world.send(values(worker), to: worker, tag: tag) }
    for worker in 1..<n {
      let back = try world.receive(T.self, count: worker + 3, from: worker, tag: tag + 1)
      expectEqual(back, values(worker).reversed(), "typed \(T.self) round trip with rank \(worker)")
    }
  } else {
    // Ask for more than was sent: the result has the count actually received.
    let received = try world.receive(T.self, count: r + 10, from: 0, tag: tag)
    expectEqual(received, values(r), "typed \(T.self) receive")
    try world.send(Array(received.reversed()), to: 0, tag: tag + 1)
  }
}

func checkAllTyped(_ world: Communicator) throws {
  try checkTyped(world, Int.self, tag: 100) { $0 * 1_000_000_007 - 5 }
  try checkTyped(world, Int8.self, tag: 102) { Int8(truncatingIfNeeded: -$0) }
  try checkTyped(world, Int16.self, tag: 104) { Int16(truncatingIfNeeded: $0 * 1000 - 7) }
  try checkTyped(world, Int32.self, tag: 106) { Int32(truncatingIfNeeded: $0 * 100_000 - 3) }
  try checkTyped(world, Int64.self, tag: 108) { Int64($0) << 40 | 5 }
  try checkTyped(world, UInt.self, tag: 110) { UInt($0) << 50 | 9 }
  try checkTyped(world, UInt8.self, tag: 112) { UInt8(truncatingIfNeeded: $0 * 37) }
  try checkTyped(world, UInt16.self, tag: 114) { UInt16(truncatingIfNeeded: $0 * 4099) }
  try checkTyped(world, UInt32.self, tag: 116) { UInt32(truncatingIfNeeded: $0 * 70_001) }
  try checkTyped(world, UInt64.self, tag: 118) { UInt64($0) << 60 | UInt64($0) }
  try checkTyped(world, Float.self, tag: 120) { Float($0) * 0.25 - 1 }
  try checkTyped(world, Double.self, tag: 122) { Double($0) / 3 }
}

func checkSendReceive(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let right = (r + 1) % n
  let left = (r + n - 1) % n
  let ring = try world.sendReceive(
    [Double(r), Double(r) * 2.5], to: right, sendTag: 200, receiveCount: 2, from: left, receiveTag: 200)
  expectEqual(ring, [Double(left), Double(left) * 2.5], "sendReceive ring")
  // Non-periodic halo: the ends have no neighbour (nil = MPI_PROC_NULL).
  let halo = try world.sendReceive(
    [Int32(r * 100)], to: r + 1 < n ? r + 1 : nil, sendTag: 201, receiveCount: 1,
    from: r > 0 ? r - 1 : nil, receiveTag: 201)
  expectEqual(halo, r > 0 ? [Int32((r - 1) * 100)] : [], "sendReceive halo without wrap-around")
}

func checkBroadcastAndBarrier(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  try world.barrier()
  var data = [UInt8](repeating: 0, count: 100_000)
  if r == n - 1 { data = pattern(100_000, seed: 99) }
  try data.withUnsafeMutableBytes { try world.broadcast($0, root: n - 1) }
  expect(data == pattern(100_000, seed: 99), "broadcast of 100000 bytes from rank \(n - 1)")
  // Non-blocking versions.
  try pollAll([try world.ibarrier()])
  var small: [UInt8] = r == 0 ? [1, 2, 3] : [0, 0, 0]
  try small.withUnsafeMutableBytes { buffer in
    let request = try world.ibroadcast(buffer, root: 0)
    if r == 0 { try pollAll([request]) } else { try request.wait() }
  }
  expectEqual(small, [1, 2, 3], "ibroadcast")
}

/// Uneven per-rank byte counts (rank 1 gets none) laid out in reverse rank order with 3-byte gaps.
func layout(_ n: Int, scale: Int) -> (counts: [Int], displacements: [Int], total: Int) {
  let counts = (0..<n).map { $0 == 1 ? 0 : $0 * scale + 7 }
  var displacements = [Int](repeating: 0, count: n)
  var offset = 3
  for i in (0..<n).reversed() {
    displacements[i] = offset
    offset += counts[i] + 3
  }
  return (counts, displacements, offset)
}

/// scatterv a pattern from `root`, transform it, gatherv it back; `nonBlocking` uses the i-versions
/// (completed by a test() loop at the root and by wait() elsewhere).
func checkScatterGather(_ world: Communicator, root: Int, scale: Int, nonBlocking: Bool) throws {
  let r = world.rank
  let n = world.size
  let (counts, displacements, total) = layout(n, scale: scale)
  let source = pattern(total, seed: root + scale)
  let what =
    "\(nonBlocking ? "i" : "")scatterv/\(nonBlocking ? "i" : "")gatherv (root \(root), scale \(scale))"
  func complete(_ request: Request) throws {
    if r == root { try pollAll([request]) } else { try request.wait() }
  }

  var chunk = [UInt8](repeating: 0xEE, count: counts[r])
  try chunk.withUnsafeMutableBytes { receiveBuffer in
    try source.withUnsafeBytes { sendBuffer in
      let send = r == root ? sendBuffer : nil
      let rootCounts = r == root ? counts : []
      let rootDisplacements = r == root ? displacements : []
      if nonBlocking {
        try complete(
          try world.iscatterv(
            send, counts: rootCounts, displacements: rootDisplacements, into: receiveBuffer, root: root))
      } else {
        try world.scatterv(
          send, counts: rootCounts, displacements: rootDisplacements, into: receiveBuffer, root: root)
      }
    }
  }
  expect(chunk == Array(source[displacements[r]..<displacements[r] + counts[r]]), "\(what): scattered chunk")

  let reply = chunk.map { $0 ^ 0x5A }
  var gathered = [UInt8](repeating: 0xEE, count: r == root ? total : 0)
  try reply.withUnsafeBytes { sendBuffer in
    try gathered.withUnsafeMutableBytes { receiveBuffer in
      let receive = r == root ? receiveBuffer : nil
      let rootCounts = r == root ? counts : []
      let rootDisplacements = r == root ? displacements : []
      if nonBlocking {
        try complete(
          try world.igatherv(
            sendBuffer, into: receive, counts: rootCounts, displacements: rootDisplacements, root: root))
      } else {
        try world.gatherv(
          sendBuffer, into: receive, counts: rootCounts, displacements: rootDisplacements, root: root)
      }
    }
  }
  if r == root {
    var expected = [UInt8](repeating: 0xEE, count: total)
    for i in 0..<n {
      for j in 0..<counts[i] { expected[displacements[i] + j] = source[displacements[i] + j] ^ 0x5A }
    }
    expect(gathered == expected, "\(what): gathered buffer")
  }
}

func checkGathers(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let root = n / 2
  let mine = UInt64(r * 1000 + 1).littleEndian
  var all = [UInt8](repeating: 0, count: r == root ? 8 * n : 0)
  try withUnsafeBytes(of: mine) { sendBuffer in
    try all.withUnsafeMutableBytes { receiveBuffer in
      let request = try world.igather(
        sendBuffer, into: r == root ? receiveBuffer : nil, bytesPerRank: 8, root: root)
      if r == root { try pollAll([request]) } else { try request.wait() }
    }
  }
  if r == root {
    let values = (0..<n).map { i in
      all[(i * 8)..<(i * 8 + 8)].enumerated().reduce(UInt64(0)) {
        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
      }
    }
    expectEqual(values, (0..<n).map { UInt64($0 * 1000 + 1) }, "igather")
  }
  let gathered = try world.gather(Int16(r * 3), root: 0)
  expectEqual(gathered, r == 0 ? (0..<n).map { Int16($0 * 3) } : [], "gather<Int16>")
}

func checkReductions(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let sum = n * (n - 1) / 2
  expectEqual(try world.allreduce(r, .sum), sum, "allreduce Int sum")
  expectEqual(try world.allreduce(Double(r), .maximum), Double(n - 1), "allreduce Double max")
  expectEqual(try world.allreduce(Int32(r + 5), .minimum), 5, "allreduce Int32 min")
  expectEqual(try world.allreduce(UInt64(2), .product), UInt64(1) << UInt64(n), "allreduce UInt64 product")
  expectEqual(try world.allreduce(Float(r) + 0.5, .sum), Float(sum) + Float(n) * 0.5, "allreduce Float sum")
  expectEqual(try world.allreduce([r, 1, -r], .sum), [sum, n, -sum], "allreduce [Int] sum")
  expectEqual(
    try world.allreduce([Float(r), Float(-r)], .maximum), [Float(n - 1), 0], "allreduce [Float] max")
  expectEqual(try world.allreduce([UInt8](), .sum), [], "allreduce of an empty array")
  let root = 1 % n
  let reduced = try world.reduce([Int64(r), 1, Int64(r * r)], .sum, root: root)
  let squares = (0..<n).reduce(0) { $0 + $1 * $1 }
  expectEqual(
    reduced, r == root ? [Int64(sum), Int64(n), Int64(squares)] : [], "reduce [Int64] sum at root \(root)")
  expectEqual(try world.reduce([Int8(r % 100)], .minimum, root: 0), r == 0 ? [0] : [], "reduce [Int8] min")
}

func checkErrors(_ world: Communicator) throws {
  let r = world.rank
  let n = world.size
  let badRank = expectMPIError("send to rank = size") {
    try world.send([UInt8](repeating: 1, count: 4), to: n, tag: 1)
  }
  expectEqual(badRank.function, "MPI_Send", "failing send's function")
  expect(badRank.code > 0 && !badRank.message.isEmpty, "MPI's error code and string: \(badRank)")
  let badTyped = expectMPIError("typed send to rank -5") { try world.send([1.0], to: -5, tag: 1) }
  expectEqual(badTyped.function, "MPI_Send", "failing typed send's function")
  // Counts that do not fit in Int32 are rejected before MPI is called (this rank as root, so no
  // other rank takes part).
  let tooBig = expectMPIError("count above Int32") {
    try world.scatterv(
      nil, counts: [3_000_000_000] + Array(repeating: 0, count: n - 1),
      displacements: Array(repeating: 0, count: n),
      into: UnsafeMutableRawBufferPointer(start: nil, count: 0), root: r)
  }
  expectEqual(tooBig.function, "MPI_Scatterv", "oversized count's function")
  expectEqual(tooBig.code, -1, "oversized count's code")
  expectEqual(tooBig.message, "count 3000000000 exceeds Int32", "oversized count's message")
  let one = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
  defer { one.deallocate() }
  let hugeBroadcast = expectMPIError("broadcast above Int32") {
    try world.broadcast(UnsafeMutableRawBufferPointer(start: one.baseAddress, count: 3_000_000_000), root: 0)
  }
  expectEqual(hugeBroadcast.code, -1, "oversized broadcast's code")
  expectMPIError("gatherv with too few counts at root") {
    try world.gatherv(
      UnsafeRawBufferPointer(start: nil, count: 0), into: one, counts: [1], displacements: [0], root: r)
  }
  expectMPIError("scatterv past the end of the send buffer") {
    try world.scatterv(
      UnsafeRawBufferPointer(one), counts: Array(repeating: 1, count: n),
      displacements: Array(repeating: 1, count: n),
      into: UnsafeMutableRawBufferPointer(start: nil, count: 0), root: r)
  }
  expectMPIError("broadcast from root = size") { try world.broadcast(one, root: n) }
  // The communicator still works after errors.
  expectEqual(try world.allreduce(1, .sum), n, "allreduce after errors")
}

// MARK: - Main

do {
  let provided = try MPI.initialize(requesting: .serialized)
  let world = Communicator.world
  myRank.store(world.rank, ordering: .relaxed)
  try checkEnvironment(world, provided: provided)
  checkOpenMPILocks()
  try checkSplit(world)
  try checkSubcommunicator(world)
  try checkPointToPoint(world)
  try checkMatchedReceive(world)
  try checkReceiveSlots(world)
  try checkAllTyped(world)
  try checkSendReceive(world)
  try checkBroadcastAndBarrier(world)
  try checkScatterGather(world, root: 0, scale: 1000, nonBlocking: false)
  try checkScatterGather(world, root: world.size - 1, scale: 50_000, nonBlocking: false)
  try checkScatterGather(world, root: 0, scale: 1000, nonBlocking: true)
  try checkScatterGather(world, root: world.size - 1, scale: 50_000, nonBlocking: true)
  try checkGathers(world)
  try checkReductions(world)
  try checkErrors(world)
  let finished = try world.allreduce(1, .sum)
  expectEqual(finished, world.size, "every rank reached the end")
  let size = world.size
  try world.barrier()
  try MPI.finalize()
  expect(MPI.isFinalized, "isFinalized after finalize")
  if myRank.load(ordering: .relaxed) == 0 {
    print("mpi-selftest: all checks passed on \(size) ranks")
    fflush(stdout)
  }
} catch {
  fail("unexpected error: \(error)")
}
