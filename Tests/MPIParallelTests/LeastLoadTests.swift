import XCTest

@testable import MPIParallel

final class LeastLoadTests: XCTestCase {
  func testPicksFewestOutstanding() {
    var scheme = LeastLoad()
    let loads = [
      EngineLoad(id: 0, outstanding: 2, lastUsed: 1), EngineLoad(id: 1, outstanding: 0, lastUsed: 9),
      EngineLoad(id: 2, outstanding: 1, lastUsed: 0),
    ]
    XCTAssertEqual(scheme.select(from: loads), 1)
  }

  func testLeastRecentlyUsedBreaksTies() {
    var scheme = LeastLoad()
    let loads = [
      EngineLoad(id: 0, outstanding: 0, lastUsed: 5), EngineLoad(id: 1, outstanding: 0, lastUsed: 2),
      EngineLoad(id: 2, outstanding: 0, lastUsed: 7),
    ]
    XCTAssertEqual(scheme.select(from: loads), 1)
  }

  func testNoCandidates() {
    var scheme = LeastLoad()
    XCTAssertNil(scheme.select(from: []))
  }

  func testRoundRobinsEqualEnginesWhenTheCallerUpdatesLastUsed() {
    var scheme = LeastLoad()
    var loads = (0..<4).map { EngineLoad(id: $0, outstanding: 0, lastUsed: 0) }
    var picked: [Int] = []
    for clock in 1...8 {
      let id = scheme.select(from: loads)!
      picked.append(id)
      loads[id].lastUsed = UInt64(clock)
    }
    XCTAssertEqual(picked, [0, 1, 2, 3, 0, 1, 2, 3])
  }
}
