import XCTest

@testable import MPIParallel

final class TaskFlagsTests: XCTestCase {
  private func reason(_ flags: TaskFlags) -> String? {
    do {
      try flags.validate()
      return nil
    } catch ParallelError.invalidArgument(let message) {
      return message
    } catch {
      return "unexpected \(error)"
    }
  }

  func testDefaults() {
    let flags = TaskFlags()
    XCTAssertNil(flags.after)
    XCTAssertNil(flags.follow)
    XCTAssertNil(flags.timeout)
    XCTAssertNil(flags.dependencyTimeout)
    XCTAssertEqual(flags.retries, 0)
    XCTAssertEqual(flags.requires, [])
    XCTAssertNil(flags.dependsOn)
    XCTAssertNil(flags.scheme)
    XCTAssertNil(flags.cost)
    XCTAssertNil(reason(flags))
  }

  func testValidFlags() {
    let flags = TaskFlags(
      after: Dependency([1]), follow: Dependency([2], mode: .any), timeout: .seconds(3),
      dependencyTimeout: .milliseconds(500), retries: 2, requires: ["gpu", "bigmem"], dependsOn: "hasData",
      scheme: .weighted, cost: 0)
    XCTAssertNil(reason(flags))
  }

  func testNegativeRetries() {
    XCTAssertEqual(reason(TaskFlags(retries: -1)), "retries must be 0 or more, got -1")
  }

  func testNonPositiveTimeouts() {
    XCTAssertEqual(reason(TaskFlags(timeout: .zero)), "timeout must be positive, got 0.0 seconds")
    XCTAssertNotNil(reason(TaskFlags(timeout: .seconds(-2))))
    XCTAssertEqual(
      reason(TaskFlags(dependencyTimeout: .seconds(-1))),
      "dependencyTimeout must be positive, got -1.0 seconds")
    XCTAssertNotNil(reason(TaskFlags(dependencyTimeout: .zero)))
  }

  func testBadCosts() {
    XCTAssertEqual(reason(TaskFlags(cost: -0.5)), "cost must be finite and 0 or more, got -0.5")
    XCTAssertEqual(reason(TaskFlags(cost: .infinity)), "cost must be finite and 0 or more, got inf")
    XCTAssertEqual(reason(TaskFlags(cost: .nan)), "cost must be finite and 0 or more, got nan")
    XCTAssertNil(reason(TaskFlags(cost: 12.5)))
  }

  func testEmptyCapabilityNames() {
    XCTAssertEqual(
      reason(TaskFlags(requires: ["gpu", ""])), "capability names in requires must not be empty")
    XCTAssertNotNil(reason(TaskFlags(requires: ["  "])))
  }

  func testEmptyDependsOn() {
    XCTAssertEqual(
      reason(TaskFlags(dependsOn: "")), "dependsOn must name a registered function, got an empty name")
  }

  func testDependencyAcceptingNothing() {
    XCTAssertEqual(
      reason(TaskFlags(after: Dependency([1], success: false, failure: false))),
      "the after dependency must accept success, failure or both; it accepts neither")
    XCTAssertEqual(
      reason(TaskFlags(follow: Dependency([1], success: false, failure: false))),
      "the follow dependency must accept success, failure or both; it accepts neither")
  }

  func testMergedOverridesOnlyNonDefaults() {
    let view = TaskFlags(
      after: Dependency([1]), timeout: .seconds(10), retries: 3, requires: ["gpu"], scheme: .lru, cost: 1)
    let call = TaskFlags(follow: Dependency([2]), timeout: .seconds(1), cost: 5)
    let merged = view.merged(with: call)
    XCTAssertEqual(merged.after, Dependency([1]))
    XCTAssertEqual(merged.follow, Dependency([2]))
    XCTAssertEqual(merged.timeout, .seconds(1))
    XCTAssertNil(merged.dependencyTimeout)
    XCTAssertEqual(merged.retries, 3)
    XCTAssertEqual(merged.requires, ["gpu"])
    XCTAssertNil(merged.dependsOn)
    XCTAssertEqual(merged.scheme, .lru)
    XCTAssertEqual(merged.cost, 5)
  }

  func testMergedEveryFieldOverrides() {
    let view = TaskFlags(
      after: Dependency([1]), follow: Dependency([1]), timeout: .seconds(1), dependencyTimeout: .seconds(1),
      retries: 1, requires: ["a"], dependsOn: "f", scheme: .lru, cost: 1)
    let call = TaskFlags(
      after: Dependency([2], mode: .any), follow: Dependency([3]), timeout: .seconds(2),
      dependencyTimeout: .seconds(3), retries: 4, requires: ["b"], dependsOn: "g", scheme: .twobin, cost: 2)
    XCTAssertEqual(view.merged(with: call), call)
  }

  func testMergedWithDefaultsChangesNothing() {
    let view = TaskFlags(
      after: Dependency([1]), retries: 2, requires: ["gpu"], dependsOn: "f", scheme: .weighted)
    XCTAssertEqual(view.merged(with: TaskFlags()), view)
    XCTAssertEqual(TaskFlags().merged(with: view), view)
  }
}
