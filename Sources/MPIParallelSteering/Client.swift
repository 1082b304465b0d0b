import Foundation

/// A steering client: the driver's API over TCP, for a job served by another
/// process (`mpiparallel start`, or a program run with `--serve`). Calls go by
/// function name with Codable arguments, which travel as JSON:
///
/// ```swift
/// let client = try Client(profile: "default")       // ~/.mpiparallel/profile_default/client.json
/// let areas = try client[...].apply("area", 3, 7, as: Int.self).get()   // one per engine
/// let squares = try client.loadBalancedView().map("square", Array(0..<100), as: Int.self).get()
/// ```
///
/// It needs neither MPI nor the job's Swift types: a laptop can steer a job on
/// a cluster through an SSH tunnel (see "Steering a running job" in the
/// MPIParallel documentation).
public final class Client: Sendable {
  /// The connection file it was made from.
  public let connection: ConnectionFile
  let link: SteeringConnection
  /// The job as the hub described it on connecting.
  public let job: JobInfo

  /// Connects to the hub a connection file names, and checks the key by a
  /// first exchange; `timeout` bounds the connection and that first reply (seconds).
  public init(connectionFile path: String, timeout: Double = 10) throws {
    connection = try ConnectionFile.read(from: path)
    link = try SteeringConnection(file: connection, connectTimeout: timeout)
    guard case .hello(let job) = try link.send(.hello, timeout: timeout) else {
      throw SteeringError.connectionLost("the hub did not answer hello")
    }
    self.job = job
  }

  /// Connects to the job served under a profile (`default` unless named).
  public convenience init(profile: String = "default", timeout: Double = 10) throws {
    try self.init(connectionFile: try ProfileDirectory(name: profile).connectionFile, timeout: timeout)
  }

  /// Closes the connection (also done when the client is released).
  public func close() { link.close() }

  /// The engine ids.
  public var ids: [Int] { job.engines.map(\.id) }

  /// The engines as they are now: tasks done, state.
  public func engines() throws -> [EngineStatus] {
    guard case .engines(let engines) = try link.send(.engines) else { throw unexpected("engines") }
    return engines
  }

  /// The registered remote functions.
  public func functions() throws -> [FunctionInfo] {
    guard case .functions(let functions) = try link.send(.functions) else { throw unexpected("functions") }
    return functions
  }

  /// A view of one engine.
  public subscript(id: Int) -> DirectView { DirectView(client: self, targets: [id]) }
  /// A view of every engine (`rc[:]`).
  public subscript(_: UnboundedRange) -> DirectView { DirectView(client: self, targets: nil) }
  /// A view of a range of engines.
  public subscript(ids: Range<Int>) -> DirectView { DirectView(client: self, targets: Array(ids)) }
  /// A view of these engines.
  public subscript(ids: [Int]) -> DirectView { DirectView(client: self, targets: ids) }

  /// A DirectView of `targets` (all engines when nil).
  public func directView(targets: [Int]? = nil) -> DirectView { DirectView(client: self, targets: targets) }

  /// A LoadBalancedView over `targets` (all engines when nil).
  public func loadBalancedView(targets: [Int]? = nil) -> LoadBalancedView {
    LoadBalancedView(client: self, targets: targets)
  }

  /// The queue per engine and the tasks waiting in the hub.
  public func queueStatus() throws -> QueueInfo {
    guard case .status(let status) = try link.send(.status) else { throw unexpected("status") }
    return status
  }

  /// The hub's record of a task, with its values when a steering client submitted it.
  public func task(_ id: Int) throws -> TaskInfo {
    guard case .task(let task) = try link.send(.result(task: id)) else { throw unexpected("result") }
    return task
  }

  /// Aborts those of the tasks not started (queued in the hub, or waiting
  /// on an engine behind earlier work: answered once that engine has
  /// finished the request it runs); returns them.
  public func abort(_ tasks: [Int]) throws -> [Int] {
    guard case .aborted(let ids) = try link.send(.abort(tasks: tasks)) else { throw unexpected("abort") }
    return ids
  }

  /// Retires engines (`rc.shutdown(targets)` for some engines, with the job
  /// going on): each gets no new work, finishes what it holds and leaves; its
  /// id is not reused. Returns the ids that were up and now retire (ids
  /// already retiring, retired or lost are left out); `engines()` shows
  /// them "retiring", then "retired". The hub refuses, with a
  /// `SteeringError.hub`, a negative id, an id that is no engine of the job
  /// and a request that would retire every engine still up (a served job
  /// keeps one; `stop` ends it).
  @discardableResult
  public func retire(_ ids: [Int]) throws -> [Int] {
    guard case .retiring(let ids) = try link.send(.retire(engines: ids)) else { throw unexpected("retire") }
    return ids
  }

  /// Starts `count` more engines in the served job (it must run under
  /// `mpirun --enable-recovery`, with room for them) and returns their ids.
  public func addEngines(_ count: Int) throws -> [Int] {
    guard case .added(let ids) = try link.send(.addEngines(count: count)) else { throw unexpected("addEngines") }
    return ids
  }

  /// Stops the served job: it finishes queued work, stops its engines and exits.
  public func stop() throws {
    guard case .stopping = try link.send(.stop) else { throw unexpected("stop") }
    link.close()
  }

  /// Submits a command that starts a job and returns its result handle.
  func submit<Element>(
    _ command: SteeringCommand, label: String, transform: AsyncMapResult<Element>.Transform?,
    ordered: Bool = true
  )
    -> AsyncMapResult<Element>
  {
    do {
      guard case .submitted(let submission) = try link.send(command) else { throw unexpected(command.name) }
      return AsyncMapResult(
        client: self, label: label, submission: submission, transform: transform, ordered: ordered)
    } catch {
      return AsyncMapResult(client: self, label: label, failure: error)
    }
  }

  func unexpected(_ command: String) -> SteeringError {
    .connectionLost("the hub's answer to \(command) is of another kind")
  }

  /// JSON forms of arguments.
  static func json(_ arguments: [any Encodable]) throws -> [JSONValue] {
    try arguments.map { try JSONValue(encoding: $0) }
  }
}
