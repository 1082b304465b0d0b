import XCTest

@testable import MPIParallelSteering

final class PendingConnectionsTests: XCTestCase {
  func testConnectionsUnderTheLimitsAreKept() {
    var pending = PendingConnections(limit: 3, perAddressLimit: 2)
    XCTAssertEqual(pending.admit(1, address: "a"), [])
    XCTAssertEqual(pending.admit(2, address: "b"), [])
    XCTAssertEqual(pending.admit(3, address: "a"), [])
    XCTAssertEqual(pending.ids, [1, 2, 3])
  }

  func testPastTheLimitTheOldestPendingOneMakesRoom() {
    var pending = PendingConnections(limit: 3, perAddressLimit: 3)
    for id in 1...3 { XCTAssertEqual(pending.admit(id, address: "x\(id)"), []) }
    XCTAssertEqual(pending.admit(4, address: "x4"), [1])
    XCTAssertEqual(pending.admit(5, address: "x5"), [2])
    XCTAssertEqual(pending.ids, [3, 4, 5])
  }

  func testPastTheAddressLimitTheOldestOfThatAddressMakesRoom() {
    var pending = PendingConnections(limit: 10, perAddressLimit: 2)
    XCTAssertEqual(pending.admit(1, address: "good"), [])
    XCTAssertEqual(pending.admit(2, address: "flood"), [])
    XCTAssertEqual(pending.admit(3, address: "flood"), [])
    XCTAssertEqual(pending.admit(4, address: "flood"), [2])
    XCTAssertEqual(pending.admit(5, address: "flood"), [3])
    XCTAssertEqual(pending.ids, [1, 4, 5], "another address's pending connection stays")
  }

  func testAConnectionThatProvedTheKeyIsNeverClosedForRoom() {
    var pending = PendingConnections(limit: 2, perAddressLimit: 2)
    _ = pending.admit(1, address: "a")
    pending.remove(1)  // proved the key
    _ = pending.admit(2, address: "a")
    _ = pending.admit(3, address: "a")
    XCTAssertEqual(pending.admit(4, address: "a"), [2])
    XCTAssertFalse(pending.ids.contains(1))
    XCTAssertEqual(pending.count, 2)
  }

  func testAClosedConnectionFreesItsPlace() {
    var pending = PendingConnections(limit: 1, perAddressLimit: 1)
    _ = pending.admit(1, address: "a")
    pending.remove(1)
    XCTAssertEqual(pending.admit(2, address: "a"), [])
  }
}
