/// What the hub knows of one task another depends on.
struct DependencyFact: Sendable, Equatable {
  /// The task id was allocated (the task was submitted to this hub, in this run).
  var known: Bool
  /// It has finished: succeeded, failed, or aborted / failed without running.
  var finished: Bool
  /// It finished with a result (meaningful once `finished`).
  var succeeded: Bool
  /// The engine it ran on; nil while queued, and for a task that finished
  /// without running anywhere (aborted, or failed with an impossible dependency).
  var engine: Int?
}

/// Where a dependency stands.
enum DependencyStatus: Equatable {
  /// Satisfied: the task may be scheduled (on the engines `placement` allows).
  case met
  /// Not yet decided: some task depended on has not finished.
  case pending
  /// Can never be met; the task fails at once with this reason.
  case impossible(String)
}

/// The rules of IPython's graph dependencies, pure functions of what the hub
/// knows of the tasks depended on, so they are tested without MPI.
///
/// A dependency is impossible (IPython's `ImpossibleDependency` and
/// `InvalidDependency`) when:
/// - it accepts neither successes nor failures;
/// - it names a task id the hub does not know;
/// - mode `.all`: a task finished in a way it does not accept (a failure under
///   success-only, a success under failure-only);
/// - mode `.any`: every task finished and none in an accepted way;
/// - `follow` with `.all`: the accepted tasks ran on different engines, or one
///   never ran on any engine (there is nowhere to follow it);
/// - `follow` with `.any`: every task finished and none that was accepted ran
///   on an engine;
/// - a batch of new tasks depends on itself or in a cycle (`checkCycles`).
enum DependencyRules {
  /// How one depended-on task stands against a dependency.
  private enum Outcome {
    case unknown, pending, accepted, rejected
  }

  private static func outcome(of id: Int, in dependency: Dependency, facts: [Int: DependencyFact]) -> Outcome
  {
    guard let fact = facts[id], fact.known else { return .unknown }
    guard fact.finished else { return .pending }
    return dependency.accepts(succeeded: fact.succeeded) ? .accepted : .rejected
  }

  /// The checks common to `after` and `follow`: nil when none fails, else why
  /// the dependency can never be met.
  private static func impossibility(of dependency: Dependency, facts: [Int: DependencyFact]) -> String? {
    if !dependency.success && !dependency.failure {
      return
        "the dependency on \(Dependency.describe(dependency.taskIDs)) accepts neither success nor failure"
    }
    let unknown = dependency.taskIDs.filter { facts[$0]?.known != true }
    if !unknown.isEmpty {
      return "the dependency names unknown \(Dependency.describe(unknown))"
    }
    let rejected = dependency.taskIDs.filter { outcome(of: $0, in: dependency, facts: facts) == .rejected }
    let how = dependency.success ? "failed" : "succeeded"
    let accepted = dependency.success ? "success" : "failure"
    switch dependency.mode {
    case .all:
      if !rejected.isEmpty {
        return
          "\(Dependency.describe(rejected)) \(how) and the dependency on all of them accepts only \(accepted)"
      }
    case .any:
      if rejected.count == dependency.taskIDs.count {
        return
          "all of \(Dependency.describe(rejected)) \(how) and the dependency on any of them accepts only \(accepted)"
      }
    }
    return nil
  }

  /// `after`: the time dependency. Met when all (or any) of the tasks finished
  /// in an accepted way; pending while that can still happen; impossible as
  /// listed on `DependencyRules`. An empty dependency is met.
  static func status(of dependency: Dependency, facts: [Int: DependencyFact]) -> DependencyStatus {
    if dependency.isEmpty { return .met }
    if let reason = impossibility(of: dependency, facts: facts) { return .impossible(reason) }
    var accepted = 0
    for id in dependency.taskIDs where outcome(of: id, in: dependency, facts: facts) == .accepted {
      accepted += 1
    }
    switch dependency.mode {
    case .all: return accepted == dependency.taskIDs.count ? .met : .pending
    case .any: return accepted > 0 ? .met : .pending
    }
  }

  /// `follow`: the location dependency, the engines the task may run on.
  ///
  /// - `.met` with `engines` nil: no constraint (an empty dependency);
  ///   with a set: the task must run on one of those engines. Mode `.all`: the
  ///   one engine where every task ran; mode `.any`: the engines where some
  ///   accepted task ran (met as soon as one has, as in IPython).
  /// - `.pending` with `engines` nil: wait; like IPython, a follow dependency
  ///   waits for its tasks to finish.
  /// - `.impossible` with `engines` `[]`.
  static func placement(
    of dependency: Dependency, facts: [Int: DependencyFact]
  ) -> (status: DependencyStatus, engines: Set<Int>?) {
    if dependency.isEmpty { return (.met, nil) }
    if let reason = impossibility(of: dependency, facts: facts) { return (.impossible(reason), []) }
    var engines = Set<Int>()
    var pending = 0
    var nowhere: [Int] = []
    for id in dependency.taskIDs {
      switch outcome(of: id, in: dependency, facts: facts) {
      case .pending: pending += 1
      case .accepted:
        if let engine = facts[id]?.engine { engines.insert(engine) } else { nowhere.append(id) }
      case .rejected, .unknown: break
      }
    }
    switch dependency.mode {
    case .all:
      if !nowhere.isEmpty {
        return (
          .impossible(
            "\(Dependency.describe(nowhere)) never ran on an engine, so there is nowhere to follow"), []
        )
      }
      if engines.count > 1 {
        let list = engines.sorted().map(String.init)
        let shown = list.dropLast().joined(separator: ", ") + " and " + list.last!
        return (.impossible("follow all across engines \(shown)"), [])
      }
      return pending > 0 ? (.pending, nil) : (.met, engines)
    case .any:
      if !engines.isEmpty { return (.met, engines) }
      if pending > 0 { return (.pending, nil) }
      return (
        .impossible(
          "none of \(Dependency.describe(dependency.taskIDs)) ran on an engine in an accepted way, so there is nowhere to follow"
        ), []
      )
    }
  }

  /// `5 -> 7 -> 5`; a long cycle shows its first and last few tasks and its length.
  private static func describeCycle(_ ids: [Int]) -> String {
    let closed = ids + [ids[0]]
    guard ids.count > 10 else { return closed.map(String.init).joined(separator: " -> ") }
    let shown = closed.prefix(5).map(String.init) + ["..."] + closed.suffix(4).map(String.init)
    return shown.joined(separator: " -> ") + " (\(ids.count) tasks)"
  }

  /// Checks a batch of new tasks (id → the ids it depends on through `after`
  /// and `follow`) for a task that depends on itself or a dependency cycle.
  /// Ids outside the batch are existing tasks and end a path. Deterministic:
  /// the cycle reported starts from the lowest id that reaches one.
  ///
  /// - Throws: `ParallelError.invalidArgument`, for example
  ///   "task 5 depends on itself" or "dependency cycle: 5 -> 7 -> 5".
  static func checkCycles(_ dependencies: [Int: Set<Int>]) throws {
    for id in dependencies.keys.sorted() where dependencies[id]!.contains(id) {
      throw ParallelError.invalidArgument("task \(id) depends on itself")
    }
    enum Mark { case onPath, done }
    var marks: [Int: Mark] = [:]
    for root in dependencies.keys.sorted() where marks[root] == nil {
      // Iterative depth-first search: a stack of (task, its sorted successors in
      // the batch, the next one to visit), so long chains cannot overflow.
      var path: [(id: Int, next: [Int], index: Int)] = []
      func push(_ id: Int) {
        marks[id] = .onPath
        let next = dependencies[id]!.filter { dependencies[$0] != nil }.sorted()
        path.append((id, next, 0))
      }
      push(root)
      while let top = path.last {
        if top.index == top.next.count {
          marks[top.id] = .done
          path.removeLast()
          continue
        }
        path[path.count - 1].index += 1
        let successor = top.next[top.index]
        switch marks[successor] {
        case .done: continue
        case .onPath:
          let start = path.firstIndex { $0.id == successor }!
          throw ParallelError.invalidArgument("dependency cycle: " + describeCycle(path[start...].map(\.id)))
        case nil: push(successor)
        }
      }
    }
  }
}
