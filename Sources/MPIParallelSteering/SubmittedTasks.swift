/// Anything that stands for submitted tasks: a steering result. A
/// `Dependency` can be made from results directly: `Dependency(first, second)`.
public protocol SubmittedTasks: Sendable {
  /// The hub's ids of the tasks behind it.
  var taskIDs: [Int] { get }
}

extension AsyncResult: SubmittedTasks {}
extension AsyncMapResult: SubmittedTasks {}

extension Dependency {
  /// A dependency on every task behind `results`: `Dependency(first, second)`.
  public init(
    _ results: any SubmittedTasks..., mode: Mode = .all, success: Bool = true, failure: Bool = false
  ) {
    self.init(results, mode: mode, success: success, failure: failure)
  }

  /// A dependency on every task behind each of `results`.
  public init(
    _ results: [any SubmittedTasks], mode: Mode = .all, success: Bool = true, failure: Bool = false
  ) {
    self.init(results.flatMap(\.taskIDs), mode: mode, success: success, failure: failure)
  }
}
