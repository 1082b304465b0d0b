import Foundation
internal import MPIParallelSteering
import Synchronization

/// The hub's answers to steering clients: each command becomes the same
/// submissions a driver makes (DirectView applies, load-balanced maps), with
/// JSON arguments checked and encoded here, on the hub, so that bad input never
/// reaches an engine. Jobs are kept after they finish (the oldest finished
/// ones are forgotten past `keptJobs` jobs or `keptBytes` of results, see
/// ``KeptJobs``), so a client that disconnects can come back for its results.
final class SteeringService: SteeringBackend, Sendable {
  /// A submission's results: one or more parts (a scatter has one per engine).
  struct Job: Sendable {
    enum Kind: Sendable {
      /// Items are the functions' results.
      case values
      /// Items are packed values from `_mpp.getJSON`, unpacked here.
      case jsonText
      /// As `jsonText`; when every engine's value is a numeric array of one
      /// kind, the items are reported as one array, their bytes joined.
      case gathered
    }
    let parts: [AsyncMapResult<JSONValue>]
    let kind: Kind
    let function: String
    var taskIDs: [Int] { parts.flatMap(\.taskIDs) }
  }

  let client: Client
  let registry: FunctionRegistry
  let profile: String
  /// The jobs kept, by id, and the job of each of their tasks.
  private struct Jobs {
    var byID: [Int: Job] = [:]
    var ofTask: [Int: Int] = [:]
    var next = 1
    /// The bytes each finished job's results hold, measured once, and their sum.
    var bytes: [Int: Int] = [:]
    var heldBytes = 0
    /// Jobs not measured yet (not finished when last looked at).
    var unmeasured: Set<Int> = []
  }
  private let jobs = Mutex(Jobs())
  /// Held while a `retire` is checked and made, so that two clients cannot
  /// each leave the other's last engine.
  private let retirements = Mutex(())
  /// Waits and arrivals parked until their job moves or their time is up.
  let waits = SteeringWaits()
  private let stopped = ConditionLock()
  /// Set under `stopped` (a waiter that looks under it cannot miss the broadcast).
  private let stopRequestedFlag = Atomic<Bool>(false)

  /// The longest a `wait` holds its reply (the client asks again).
  static let longestWait = 10.0
  /// Jobs kept; the oldest finished ones go first past this.
  static let keptJobs = 10_000

  /// Bytes of finished jobs' results kept (``Configuration/SteeringLimits/keptResultBytes``).
  let keptBytes: Int

  init(client: Client, registry: FunctionRegistry, profile: String, keptBytes: Int = 1 << 30) {
    self.client = client
    self.registry = registry
    self.profile = profile
    self.keptBytes = keptBytes
  }

  // MARK: Stop

  func stopRequested() {
    stopped.withLock { stopRequestedFlag.store(true, ordering: .relaxed) }
    stopped.broadcast()
  }

  /// Blocks until a client asks the job to stop.
  func waitForStop() {
    stopped.withLock {
      while !stopRequestedFlag.load(ordering: .relaxed) { _ = stopped.wait(until: nil) }
    }
  }

  // MARK: Answers

  /// A `wait` or `arrivals` whose condition does not hold yet is parked
  /// (see ``SteeringWaits``): its reply is handed over when a slot's
  /// completion makes it hold, or when its timeout passes. The checks of its
  /// numbers and its job come first, at once. Any other command is answered
  /// at once.
  func answer(
    _ command: SteeringCommand,
    reply: @escaping @Sendable (_ work: @escaping @Sendable () throws -> SteeringAnswer) -> Void
  ) {
    do {
      switch command {
      case .wait(let id, let timeout, let items):
        try SteeringRequestCheck.id(id, of: "job", in: "wait")
        let seconds = try SteeringRequestCheck.timeout(timeout, longest: Self.longestWait, in: "wait")
        let job = try job(id)
        let states = job.parts.map(\.state)
        waits.park(on: states, timeout: seconds, isDone: { states.allSatisfy(\.isReady) }) {
          reply { .job(self.status(of: job, id: id, items: items)) }
        }
      case .arrivals(let id, let after, let timeout):
        try SteeringRequestCheck.id(id, of: "job", in: "arrivals")
        let seconds = try SteeringRequestCheck.timeout(timeout, longest: Self.longestWait, in: "arrivals")
        let (job, state) = try arrivalsPart(of: id, after: after)
        waits.park(on: [state], timeout: seconds, isDone: { state.completedCount > after || state.isReady }) {
          reply { .arrivals(self.arrivals(of: job, id: id, after: after)) }
        }
      default:
        reply { try self.answer(command) }
      }
    } catch {
      reply { throw error }
    }
  }

  /// Answers `command` at once; a `wait` or `arrivals` reports where its job
  /// stands now (``answer(_:reply:)`` is what waits).
  func answer(_ command: SteeringCommand) throws -> SteeringAnswer {
    switch command {
    case .hello:
      return .hello(
        JobInfo(
          profile: profile, engines: try engineStatuses(), functions: functionInfos(), pid: Int(getpid())))
    case .engines:
      return .engines(try engineStatuses())
    case .functions:
      return .functions(functionInfos())
    case .apply(let name, let arguments, let targets):
      let registration = try function(name)
      let view = try directView(targets)
      if let refusal = registration.collectiveRefusal(
        targets: view.targets, engineCount: client.engineCount, how: "on engines \(view.targets)")
      {
        throw SteeringFailure("collective", refusal)
      }
      let encoded = try encode(arguments, for: registration)
      return .submitted(
        register(Job(parts: [apply(registration, encoded, on: view)], kind: .values, function: name)))
    case .map(let name, let items, let chunkSize, let ordered, let targets, let flags):
      return .submitted(
        try map(name, items: items, chunkSize: chunkSize, ordered: ordered, targets: targets, flags: flags))
    case .push(let name, let value, let targets):
      let view = try directView(targets)
      let part = try applySteering(
        SteeringFunctions.setJSON, [.string(name), try SteeringFunctions.packed(value)], on: view)
      return .submitted(register(Job(parts: [part], kind: .values, function: "push(\(name))")))
    case .pull(let name, let targets):
      let part = try pull(name, on: try directView(targets))
      return .submitted(register(Job(parts: [part], kind: .jsonText, function: "pull(\(name))")))
    case .gather(let name, let targets):
      let part = try pull(name, on: try directView(targets))
      return .submitted(register(Job(parts: [part], kind: .gathered, function: "gather(\(name))")))
    case .scatter(let name, let values, let targets):
      return .submitted(try scatter(name, values: values, targets: targets))
    case .wait(let id, let timeout, let items):
      try SteeringRequestCheck.id(id, of: "job", in: "wait")
      _ = try SteeringRequestCheck.timeout(timeout, longest: Self.longestWait, in: "wait")
      return .job(status(of: try job(id), id: id, items: items))
    case .arrivals(let id, let after, let timeout):
      try SteeringRequestCheck.id(id, of: "job", in: "arrivals")
      _ = try SteeringRequestCheck.timeout(timeout, longest: Self.longestWait, in: "arrivals")
      let (job, _) = try arrivalsPart(of: id, after: after)
      return .arrivals(arrivals(of: job, id: id, after: after))
    case .status:
      let status = try client.queueStatus()
      return .status(
        QueueInfo(
          engines: status.engines.map {
            QueueInfo.Engine(
              id: $0.id, queued: $0.queued, running: $0.running, completed: $0.completed,
              state: Self.stateName($0.state))
          }, unassigned: status.unassigned))
    case .result(let task):
      try SteeringRequestCheck.id(task, of: "task", in: "result")
      return .task(try taskInfo(task))
    case .abort(let tasks):
      try SteeringRequestCheck.ids(tasks, of: "task", in: "abort")
      return .aborted(try client.hub.abort(Set(tasks)))
    case .retire(let engines):
      return .retiring(try retire(engines))
    case .addEngines(let count):
      guard count >= 1 && count <= 1024 else {
        throw SteeringFailure("badArguments", "addEngines: a count from 1 to 1024, not \(count)")
      }
      return .added(try client.addEngines(count))
    case .stop:
      return .stopping
    }
  }

  /// An engine state's one-word name on the wire.
  static func stateName(_ state: EngineState) -> String {
    switch state {
    case .up: return "up"
    case .retiring: return "retiring"
    case .retired: return "retired"
    case .lost: return "lost"
    }
  }

  private func engineStatuses() throws -> [EngineStatus] {
    let status = try client.queueStatus()
    return client.engines.map { engine in
      let queue = status.engines.first { $0.id == engine.id }
      let state: String
      var note: String? = nil
      switch queue?.state ?? .up {
      case .up: state = (queue?.running ?? 0) > 0 ? "busy" : "idle"
      case .retiring: state = "retiring"
      case .retired: state = "retired"
      case .lost(let report):
        state = "lost"
        note = "at \(ISO8601DateFormatter().string(from: report.at)): \(report)"
      }
      return EngineStatus(
        id: engine.id, rank: engine.rank, host: engine.host, pid: engine.pid,
        tasksDone: queue?.completed ?? 0,
        queued: queue?.queued ?? 0, state: state, note: note)
    }
  }

  /// Retires engines as `Client.retire` does, with the ids checked first: a
  /// negative one is `badArguments`, one past the job's engines `badTargets`
  /// (as for a view's targets). A request that would retire every engine
  /// still up is refused with `lastEngines`: a served job with no engines
  /// could run nothing more (`stop` ends it). Ids already retiring, retired
  /// or lost are not in the answer.
  private func retire(_ ids: [Int]) throws -> [Int] {
    try SteeringRequestCheck.engineIDs(ids, in: "retire")
    let count = client.engineCount
    if let unknown = ids.first(where: { $0 >= count }) {
      throw SteeringFailure(
        "badTargets",
        "retire: no engine \(unknown) in this job; its engines are "
          + (count == 0 ? "none" : "0...\(count - 1)") + " (up: \(Self.idList(client.ids)))")
    }
    return try retirements.withLock { _ in
      let up = client.ids
      let named = Set(ids)
      if !up.isEmpty, up.allSatisfy(named.contains) {
        throw SteeringFailure(
          "lastEngines",
          "retire: engine\(up.count == 1 ? "" : "s") \(Self.idList(up)) \(up.count == 1 ? "is" : "are") "
            + "the last up, and a served job keeps at least one; `mpiparallel stop` ends the job")
      }
      return try client.retire(ids).sorted()
    }
  }

  /// Ascending ids as runs: `0, 2...5, 9` (none: "none").
  static func idList(_ ids: [Int]) -> String {
    var runs: [String] = []
    var index = ids.startIndex
    while index < ids.endIndex {
      var end = index
      while end + 1 < ids.endIndex, ids[end] < Int.max, ids[end + 1] == ids[end] + 1 { end += 1 }
      runs.append(end == index ? "\(ids[index])" : "\(ids[index])...\(ids[end])")
      index = end + 1
    }
    return runs.isEmpty ? "none" : runs.joined(separator: ", ")
  }

  private func functionInfos() -> [FunctionInfo] {
    registry.names.compactMap { registry.functions[$0] }.map {
      FunctionInfo(
        name: $0.name, argumentTypes: $0.argumentTypes, resultType: $0.signature.resultType,
        collective: $0.collective)
    }
  }

  private func function(_ name: String) throws -> FunctionRegistration {
    guard !name.hasPrefix(SteeringFunctions.prefix), let registration = registry.functions[name] else {
      let known = registry.names
      throw SteeringFailure(
        "unknownFunction",
        "no remote function '\(name)' in this job; it has \(known.isEmpty ? "none" : known.joined(separator: ", "))"
      )
    }
    return registration
  }

  private func directView(_ targets: [Int]?) throws -> DirectView {
    let view = client.directView(targets: targets)
    if let error = client.invalidTarget(view.targets) { throw SteeringFailure("badTargets", "\(error)") }
    return view
  }

  private func encode(_ arguments: [JSONValue], for registration: FunctionRegistration) throws -> [UInt8] {
    var writer = WireWriter()
    try registration.encodeJSON(arguments, &writer)
    return writer.bytes
  }

  private func apply(_ registration: FunctionRegistration, _ encoded: [UInt8], on view: DirectView)
    -> AsyncMapResult<JSONValue>
  {
    let label = "apply(\(registration.name))"
    return view.apply(
      label: label, registration: registration, encodedArguments: encoded,
      decoder: Self.jsonDecoder(registration, batch: false, label: label))
  }

  /// Each engine's value `name`, packed; the hub keeps each packed value
  /// as a slice of the engine's reply (see ``SteeringFunctions/packedDecoder(label:)``).
  private func pull(_ name: String, on view: DirectView) throws -> AsyncMapResult<JSONValue> {
    let registration = SteeringFunctions.getJSON.registration
    let label = "apply(\(registration.name))"
    return view.apply(
      label: label, registration: registration,
      encodedArguments: try encode([.string(name)], for: registration),
      decoder: SteeringFunctions.packedDecoder(label: label))
  }

  private func applySteering<each A, R>(
    _ function: RemoteFunction<repeat each A, R>, _ arguments: [JSONValue], on view: DirectView
  ) throws -> AsyncMapResult<JSONValue> {
    apply(function.registration, try encode(arguments, for: function.registration), on: view)
  }

  private func map(
    _ name: String, items: [JSONValue], chunkSize: Int, ordered: Bool, targets: [Int]?,
    flags: SteeringTaskFlags?
  ) throws -> Submission {
    let registration = try function(name)
    if let refusal = registration.collectiveRefusal(
      targets: nil, engineCount: client.engineCount, how: "in a load-balanced map")
    {
      throw SteeringFailure("collective", refusal)
    }
    try SteeringRequestCheck.chunkSize(chunkSize, in: "map")
    let taskFlags = try SteeringRequestCheck.taskFlags(flags, knownTasks: client.hub.table.count, in: "map")
    // Each engine once: the scheduler looks through a task's targets.
    let targets = targets.map { Array(Set($0)).sorted() }
    if let targets, let error = client.invalidTarget(targets) {
      throw SteeringFailure("badTargets", "\(error)")
    }
    let encoded: [[UInt8]] = try items.enumerated().map { index, item in
      guard case .array(let arguments) = item else {
        throw SteeringFailure(
          "badArguments", "item \(index) of the map is \(item), not an array of arguments")
      }
      do {
        return try encode(arguments, for: registration)
      } catch let failure as SteeringFailure {
        throw SteeringFailure(failure.kind, "item \(index): \(failure.message)")
      }
    }
    let label = "map(\(name))"
    let result: AsyncMapResult<JSONValue> = client.loadBalancedView(targets: targets).with(taskFlags).submit(
      label: label, registration: registration, count: items.count, chunkSize: chunkSize, ordered: ordered,
      batch: true, costs: nil, decoder: Self.jsonDecoder(registration, batch: true, label: label)
    ) { index, writer in
      encoded[index].withUnsafeBytes { writer.writeRaw($0) }
    }
    return register(Job(parts: [result], kind: .values, function: name))
  }

  private func scatter(_ name: String, values: [JSONValue], targets: [Int]?) throws -> Submission {
    let view = try directView(targets)
    let ranges = Partition.ranges(count: values.count, parts: view.targets.count)
    var parts: [AsyncMapResult<JSONValue>] = []
    for (engine, range) in zip(view.targets, ranges) {
      let block = JSONValue.array(Array(values[range]))
      parts.append(
        try applySteering(
          SteeringFunctions.setJSON, [.string(name), try SteeringFunctions.packed(block)],
          on: client.directView(targets: [engine])))
    }
    return register(Job(parts: parts, kind: .values, function: "scatter(\(name))"))
  }

  // MARK: Jobs

  private func register(_ job: Job) -> Submission {
    let (submission, unmeasured) = jobs.withLock { jobs in
      let id = jobs.next
      jobs.next += 1
      jobs.byID[id] = job
      for task in job.taskIDs { jobs.ofTask[task] = id }
      jobs.unmeasured.insert(id)
      return (
        Submission(job: id, tasks: job.taskIDs, count: job.parts.reduce(0) { $0 + $1.count }),
        jobs.unmeasured.compactMap { id in jobs.byID[id].map { (id, $0) } }
      )
    }
    keepWithinBounds(measuring: unmeasured)
    return submission
  }

  /// Measures the jobs among `candidates` that have finished (outside the
  /// jobs' lock: a large map takes a while), then forgets the jobs
  /// ``KeptJobs`` names: past `keptJobs` jobs down to half as many, and
  /// past `keptBytes` of results.
  private func keepWithinBounds(measuring candidates: [(id: Int, job: Job)]) {
    var sizes: [Int: Int] = [:]
    for (id, job) in candidates where job.parts.allSatisfy(\.isReady) { sizes[id] = Self.heldBytes(of: job) }
    jobs.withLock { jobs in
      for (id, bytes) in sizes where jobs.unmeasured.remove(id) != nil {
        jobs.bytes[id] = bytes
        jobs.heldBytes += bytes
      }
      guard jobs.byID.count > Self.keptJobs || jobs.heldBytes > keptBytes else { return }
      let entries = jobs.byID.keys.map { KeptJobs.Entry(id: $0, bytes: jobs.bytes[$0]) }
      let count = jobs.byID.count > Self.keptJobs ? Self.keptJobs / 2 : Int.max
      for id in KeptJobs.forgotten(entries, count: count, bytes: keptBytes) {
        guard let job = jobs.byID.removeValue(forKey: id) else { continue }
        for task in job.taskIDs { jobs.ofTask[task] = nil }
        jobs.heldBytes -= jobs.bytes.removeValue(forKey: id) ?? 0
      }
    }
  }

  /// About how many bytes a finished job's results hold.
  private static func heldBytes(of job: Job) -> Int {
    var total = 0
    for part in job.parts {
      for index in 0..<part.state.slotCount {
        switch part.state.slot(index).outcome {
        case .reply(let bytes)?: total += bytes.count
        case .gathered(_, let range, _)?: total += range.count
        case .decoded?:
          if case .success(let values) = part.values(ofSlot: index) {
            total += values.reduce(0) { $0 + KeptJobs.byteCount(of: $1) }
          }
        case .failed?, nil: break
        }
      }
    }
    return total
  }

  private func job(_ id: Int) throws -> Job {
    guard let job = jobs.withLock({ $0.byID[id] }) else {
      throw SteeringFailure("unknownJob", "no job \(id) on this hub (never submitted, or forgotten)")
    }
    return job
  }

  /// A job's progress as it stands, with its items when asked and it is finished.
  private func status(of job: Job, id: Int, items: Bool) -> JobStatus {
    let ready = job.parts.allSatisfy(\.isReady)
    let done = job.parts.reduce(0) { $0 + $1.state.completedCount }
    let total = job.parts.reduce(0) { $0 + $1.state.slotCount }
    guard ready && items else {
      return JobStatus(job: id, ready: ready, done: done, total: total, items: nil, engines: nil)
    }
    var (outcomes, engines) = self.items(of: job, task: nil)
    if job.kind == .gathered, let joined = Self.joined(outcomes) { outcomes = [joined] }
    return JobStatus(job: id, ready: true, done: done, total: total, items: outcomes, engines: engines)
  }

  /// A gather's values as one numeric array, when each is a numeric array
  /// of one kind and there are several (their bytes stay where they lie:
  /// see ``NumericArray/joined(_:)``).
  static func joined(_ outcomes: [ItemOutcome]) -> ItemOutcome? {
    guard outcomes.count > 1 else { return nil }
    var arrays: [NumericArray] = []
    for outcome in outcomes {
      guard case .value(.numbers(let array)) = outcome else { return nil }
      arrays.append(array)
    }
    return NumericArray.joined(arrays).map { .value(.numbers($0)) }
  }

  /// The job `id` and its one result, for an `arrivals` that has seen `after` of its tasks.
  private func arrivalsPart(of id: Int, after: Int) throws -> (Job, ResultState) {
    let job = try job(id)
    guard job.parts.count == 1, let part = job.parts.first else {
      throw SteeringFailure("badRequest", "job \(id) (\(job.function)) has several parts; wait for it whole")
    }
    try SteeringRequestCheck.seen(after, total: part.state.slotCount, job: id, in: "arrivals")
    return (job, part.state)
  }

  /// The items of the tasks of `job` (one result) that finished after the
  /// first `after`, in the order they finished.
  private func arrivals(of job: Job, id: Int, after: Int) -> Arrivals {
    let part = job.parts[0]
    let state = part.state
    let order = state.arrivalOrder()
    var items: [Arrivals.Item] = []
    for slotIndex in order.dropFirst(after) {
      let slot = state.slot(slotIndex)
      let values = part.values(ofSlot: slotIndex)
      for (offset, index) in slot.items.enumerated() {
        let outcome: ItemOutcome
        switch values {
        case .success(let decoded) where offset < decoded.count:
          outcome = self.outcome(of: decoded[offset], job: job, task: slot.taskID, engine: slot.engineID)
        case .success:
          outcome = .failure(
            Self.failure(
              ParallelError.invalidArgument("the reply has fewer values than the task's items"),
              task: slot.taskID,
              engine: slot.engineID, job: job))
        case .failure(let error):
          outcome = .failure(Self.failure(error, task: slot.taskID, engine: slot.engineID, job: job))
        }
        items.append(Arrivals.Item(index: index, engine: slot.engineID, outcome: outcome))
      }
    }
    return Arrivals(job: id, tasksSeen: order.count, total: state.slotCount, items: items)
  }

  /// A decoded value as the client sees it (a packed value from `_mpp.getJSON` unpacked).
  private func outcome(of value: JSONValue, job: Job, task: Int, engine: Int?) -> ItemOutcome {
    guard job.kind != .values else { return .value(value) }
    do {
      guard case .numbers(let packed) = value, packed.kind == .uint8 else {
        throw SteeringFailure("error", "\(job.function): the engine's value is not packed")
      }
      return .value(try SteeringCoding.unpack(packed.bytes))
    } catch {
      return .failure(Self.failure(error, task: task, engine: engine, job: job))
    }
  }

  /// A finished job's items (those of one task when `task` is given), with the engine each ran on.
  private func items(of job: Job, task: Int?) -> ([ItemOutcome], [Int?]) {
    var outcomes: [ItemOutcome] = []
    var engines: [Int?] = []
    for part in job.parts {
      let slots = part.itemSlots()
      for (index, outcome) in part.outcomes.enumerated() {
        let slot = slots[index]
        if let task, slot.taskID != task { continue }
        engines.append(slot.engineID)
        switch outcome {
        case .success(let value):
          outcomes.append(self.outcome(of: value, job: job, task: slot.taskID, engine: slot.engineID))
        case .failure(let error):
          outcomes.append(.failure(Self.failure(error, task: slot.taskID, engine: slot.engineID, job: job)))
        }
      }
    }
    return (outcomes, engines)
  }

  private func taskInfo(_ task: Int) throws -> TaskInfo {
    guard let record = client.task(task) else {
      throw SteeringFailure("unknownTask", "no task \(task) on this hub")
    }
    var items: [ItemOutcome]?
    if let jobID = jobs.withLock({ $0.ofTask[task] }), let job = jobs.withLock({ $0.byID[jobID] }),
      job.parts.allSatisfy(\.isReady)
    {
      items = self.items(of: job, task: task).0
    }
    return TaskInfo(
      id: record.id, function: record.function, state: "\(record.state)", engine: record.engineID,
      items: items, submitted: record.submitted.timeIntervalSince1970,
      started: record.started?.timeIntervalSince1970, completed: record.completed?.timeIntervalSince1970)
  }

  static func failure(_ error: any Error, task: Int, engine: Int?, job: Job) -> RemoteFailure {
    switch error {
    case let remote as RemoteError:
      return RemoteFailure(
        engine: remote.engineID, task: remote.taskID, function: remote.function, type: remote.errorType,
        message: remote.message)
    case let composite as CompositeError where !composite.failures.isEmpty:
      return failure(composite.failures[0], task: task, engine: engine, job: job)
    case let parallel as ParallelError:
      // Named by its case, as the driver sees it: `ParallelError.dependencyTimeout`.
      return RemoteFailure(
        engine: engine ?? -1, task: task, function: job.function, type: "ParallelError.\(parallel.caseName)",
        message: "\(parallel)")
    default:
      return RemoteFailure(
        engine: engine ?? -1, task: task, function: job.function, type: String(describing: type(of: error)),
        message: "\(error)")
    }
  }

  /// Decodes a slot's replies into JSON with the function's result type.
  static func jsonDecoder(_ registration: FunctionRegistration, batch: Bool, label: String)
    -> AsyncMapResult<JSONValue>.SlotDecoder
  {
    { slot, context, values in
      guard case .reply(let bytes) = slot.outcome else { return }
      let header = try EngineReply(header: bytes)
      guard header.succeeded else { throw context.remoteError(reply: bytes, slot: slot) }
      do {
        var reader = try EngineReply.payloadReader(of: bytes)
        let count = batch ? Int(try reader.read(UInt32.self)) : 1
        values.reserveCapacity(values.count + count)
        for _ in 0..<count { values.append(try registration.jsonResult(&reader)) }
      } catch {
        throw ParallelError.decodingFailed(
          what: "the result of \(label)", expected: registration.signature.resultType, reason: "\(error)")
      }
    }
  }
}
