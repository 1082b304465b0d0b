/// Where a task's result lives: the state its reply fills, and its slot there.
struct TaskLocation: Sendable {
  let state: ResultState
  let slot: Int
}

/// What a view's `abort()` reaches: everything not started on some engines
/// (a DirectView's), or every load-balanced task not started (a LoadBalancedView's).
enum AbortScope: Sendable {
  case engines(Set<Int>)
  case loadBalanced
}

/// Lookups for the driver's handles on tasks by id, and a view's abort.
/// Each scans the hub's queues once, on request: nothing here runs per task.
extension Hub {
  /// The result and slot of task `id` while the hub holds it: waiting in the
  /// hub (alone or in a map not yet handed out), blocked on dependencies,
  /// in a direct operation not sent, or sent to an engine and not answered.
  func locate(_ id: Int) -> TaskLocation? {
    if let found = queue.location(of: id) { return found }
    for job in blocked where job.taskID == id { return TaskLocation(state: job.result, slot: job.slot) }
    for operation in directQueue {
      for job in operation.jobs where job.taskID == id {
        return TaskLocation(state: job.result, slot: job.slot)
      }
    }
    for engine in engines.indices {
      if let job = engines[engine].inFlight.job(taskID: id) {
        return TaskLocation(state: job.result, slot: job.slot)
      }
    }
    return nil
  }

  /// Aborts every task in `scope` not started, as `abort(where:)` does for
  /// named tasks: for engines, the direct operations waiting for any of
  /// them and whatever waits on them behind earlier work; for load-balanced
  /// work, what waits in the hub and load-balanced tasks waiting on engines.
  func abortPending(_ scope: AbortScope, reply: HubReply<[Int]>) throws {
    switch scope {
    case .engines(let targets):
      var ids = Set<Int>()
      for operation in directQueue where operation.engines.contains(where: targets.contains) {
        for job in operation.jobs { ids.insert(job.taskID) }
      }
      for engine in targets where engine >= 0 && engine < engines.count {
        for job in engines[engine].inFlight.all { ids.insert(job.taskID) }
      }
      try abort(where: { ids.contains($0) }, reply: reply)
    case .loadBalanced:
      // Queued and blocked tasks are all load-balanced; elsewhere, direct ones are spared.
      var direct = Set<Int>()
      for operation in directQueue {
        for job in operation.jobs { direct.insert(job.taskID) }
      }
      for engine in engines.indices {
        for job in engines[engine].inFlight.all where !job.loadBalanced { direct.insert(job.taskID) }
      }
      try abort(where: { !direct.contains($0) }, reply: reply)
    }
  }

  /// Posts `.locate` and waits for the answer.
  func location(of id: Int) throws -> TaskLocation? {
    let reply = HubReply<TaskLocation?>()
    try post(.locate(id, reply))
    return reply.wait()
  }

  /// Posts `.abortPending` and waits for the ids aborted.
  func abortPending(_ scope: AbortScope) throws -> [Int] {
    let reply = HubReply<[Int]>()
    try post(.abortPending(scope, reply))
    return reply.wait()
  }
}
