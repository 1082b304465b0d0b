import Foundation
import Synchronization

/// The driver's handle on the cluster (rank 0), as IPython's `Client`: the
/// engines, views over them, and the hub's task history.
///
/// ```swift
/// Cluster.run(area) { client in
///   let all = client[...]                       // DirectView of every engine
///   let lview = client.loadBalancedView()
///   print(try lview.map(area, [1, 2], [3, 4]).get())
/// }
/// ```
public final class Client: Sendable {
  let hub: Hub
  @usableFromInline let context: ResultContext
  /// Every engine the job has had, by id (lost and retired ones included:
  /// see `state(ofEngine:)`; `ids` lists those that take work).
  public var engines: [EngineInfo] { hub.roster.infos }
  /// How many engines the job has had (ids are 0..<engineCount).
  var engineCount: Int { hub.roster.count }
  /// The program's remote functions (what steering clients may call).
  let registry: FunctionRegistry
  /// The load-balanced submissions whose results are held (see `resubmit(taskIDs:)`).
  let submissions = ResubmitRegistry()
  /// The steering endpoint, while serving.
  private let endpoint = Mutex<SteeringEndpoint?>(nil)

  init(hub: Hub, registry: FunctionRegistry) {
    self.hub = hub
    self.registry = registry
    context = ResultContext(hub: hub, engines: hub.engineInfos)
  }

  /// Serves steering clients while the driver runs (the job started without
  /// `--serve` runs its driver; this adds the endpoint beside it), with the
  /// configuration's profile, address and port. Returns the connection file's
  /// path; the endpoint stops when the driver returns. Calling it again
  /// returns the same path.
  @discardableResult
  public func serve() throws -> String {
    try endpoint.withLock { endpoint in
      if let endpoint { return endpoint.connectionFile }
      let started = try SteeringEndpoint(
        client: self, registry: registry, configuration: Cluster.configuration)
      endpoint = started
      return started.connectionFile
    }
  }

  /// Stops serving steering clients (if serving).
  func stopServing() {
    endpoint.withLock { endpoint in
      endpoint?.stop()
      endpoint = nil
    }
  }

  /// Blocks until a steering client says stop (returns at once when not serving).
  func waitUntilStopRequested() {
    endpoint.withLock { $0?.service }?.waitForStop()
  }

  /// The ids of the engines that take work (`rc.ids`): 0..<N until an
  /// engine is lost or retired.
  public var ids: [Int] { hub.roster.upIDs }

  /// Where engine `id` stands (nil: no such engine).
  public func state(ofEngine id: Int) -> EngineState? { hub.roster.state(id) }

  /// Starts `count` more engines running this program (`MPI_Comm_spawn`) and
  /// returns their ids, which follow the last engine's. They take
  /// load-balanced work at once, and views made afterwards include them
  /// (`client[...]`) for every call, push, scatter and gather; a collective
  /// function's `EngineContext.communicator` holds them from its next call
  /// on every engine. The launcher must have room for them (under mpirun,
  /// `--oversubscribe` or a hostfile with free slots); when it refuses,
  /// this throws and nothing changes. The hub waits while they start.
  @discardableResult
  public func addEngines(_ count: Int) throws -> [Int] {
    let reply = HubReply<Result<[Int], ParallelError>>()
    try hub.post(.addEngines(count, reply))
    return try reply.wait().get()
  }

  /// Retires engines (`rc.shutdown(targets)` for some engines, with the job
  /// going on): they get no new work, finish what they hold, and leave; their
  /// ids are not reused, and `engines` and the history keep them. Returns
  /// the ids that were up and are now retiring. (Wait for them with
  /// `state(ofEngine:)`: each becomes `.retired`.)
  @discardableResult
  public func retire(_ ids: [Int]) throws -> [Int] {
    if let bad = ids.first(where: { hub.roster.info($0) == nil }) {
      throw ParallelError.noSuchEngine(id: bad, available: self.ids)
    }
    let reply = HubReply<[Int]>()
    try hub.post(.retire(Set(ids), reply))
    return reply.wait()
  }

  /// A view of one engine (`rc[0]`).
  public subscript(id: Int) -> EngineView { EngineView(client: self, id: id) }

  /// A view of every engine (`rc[:]`).
  public subscript(_: UnboundedRange) -> DirectView { DirectView(client: self, targets: ids) }

  /// A view of a range of engines (`rc[1:3]`).
  public subscript(ids: Range<Int>) -> DirectView { DirectView(client: self, targets: Array(ids)) }

  /// A view of a range of engines.
  public subscript(ids: ClosedRange<Int>) -> DirectView { DirectView(client: self, targets: Array(ids)) }

  /// A view of these engines.
  public subscript(ids: [Int]) -> DirectView { DirectView(client: self, targets: ids) }

  /// A DirectView of `targets` (all engines when nil).
  public func directView(targets: [Int]? = nil) -> DirectView {
    DirectView(client: self, targets: targets ?? ids)
  }

  /// A LoadBalancedView over `targets` (all engines when nil).
  public func loadBalancedView(targets: [Int]? = nil) -> LoadBalancedView {
    LoadBalancedView(client: self, targets: targets)
  }

  /// Every task the hub has seen, in submission order.
  public var history: [TaskRecord] { hub.table.all() }

  /// Per engine: requests queued, running and completed; and the
  /// load-balanced tasks still waiting in the hub (IPython's `queue_status`).
  public func queueStatus() throws -> QueueStatus { try hub.queueStatus() }

  /// The hub's record of one task.
  public func task(_ id: Int) -> TaskRecord? { hub.table.record(id) }

  /// The first target that is not an engine id, as an error.
  func invalidTarget(_ targets: [Int]) -> ParallelError? {
    if targets.isEmpty { return .noEngines("the view has no engines") }
    if let bad = targets.first(where: { $0 < 0 || $0 >= engineCount }) {
      return .noSuchEngine(id: bad, available: ids)
    }
    return nil
  }

  /// A result that failed before anything was sent.
  func failedState(_ label: String, _ error: any Error) -> ResultState {
    let state = ResultState(label: label, taskIDs: 0..<1)
    state.complete(slot: 0, engineID: nil, outcome: .failed(error))
    return state
  }

  /// Decodes call replies of a slot (one value, or a chunk's values).
  /// (Inlinable, so that a program's calls decode their values specialized
  /// for the result type: no generic metadata lookup per value.)
  @inlinable
  static func callDecoder<R: Decodable & Sendable>(batch: Bool, label: String)
    -> AsyncMapResult<R>.SlotDecoder
  {
    { slot, context, values in
      guard let payload = try context.callPayload(of: slot, batch: batch, label: label, expected: R.self)
      else { return }
      var reader = payload.reader
      try ResultContext.appendValues(payload.count, from: &reader, to: &values, label: label)
    }
  }

  /// How many calls a map over these sequences makes: they are zipped, so
  /// the shortest decides (no sequence at all: none).
  @inlinable
  static func zippedCount<each A>(_ sequences: repeat [each A]) -> Int {
    var count: Int?
    for sequence in repeat each sequences { count = Swift.min(count ?? .max, sequence.count) }
    return count ?? 0
  }

  /// Encodes `count` calls (each writing its arguments through `arguments`)
  /// as one request from `header` (`callHeader`'s, made once per function
  /// and kind): a single call, or a chunk of `count` (`batch`).
  static func callRequest(
    header: [UInt8], taskID: Int, batch: Bool, count: Int, arguments: (inout WireWriter) throws -> Void
  ) rethrows -> [UInt8] {
    var writer = HubRequest.call(from: header, taskID: taskID, count: batch ? count : nil)
    try arguments(&writer)
    return writer.bytes
  }

  /// The header `callRequest` starts each request of `function` from.
  static func callHeader(_ function: FunctionRegistration, batch: Bool) -> [UInt8] {
    HubRequest.callHeader(taskID: 0, callSignature: function.callSignature, count: batch ? 0 : nil).bytes
  }
}
