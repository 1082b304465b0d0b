import XCTest

@testable import MPIParallel

/// The address a served job writes into its connection file.
final class ReachableAddressTests: XCTestCase {
  func testAGivenAddressIsWrittenAsItIs() {
    for ip in ["127.0.0.1", "10.1.2.3", "node17.cluster"] {
      XCTAssertEqual(
        ReachableAddress.choose(
          listeningOn: ip, hostNameAddresses: ["10.9.9.9"], interfaceAddresses: ["10.8.8.8"]),
        ip)
    }
  }

  func testEveryInterfaceIsNamedByAnAddressOtherHostsReach() {
    for wildcard in ["0.0.0.0", "::", "*"] {
      // The host name's address, when it is not loopback.
      XCTAssertEqual(
        ReachableAddress.choose(
          listeningOn: wildcard, hostNameAddresses: ["10.99.0.1"], interfaceAddresses: ["192.168.1.5"]),
        "10.99.0.1")
      // A host name resolved to loopback (Debian's 127.0.1.1): an interface's address.
      XCTAssertEqual(
        ReachableAddress.choose(
          listeningOn: wildcard, hostNameAddresses: ["127.0.1.1", "::1"],
          interfaceAddresses: ["169.254.3.4", "192.168.1.5"]),
        "192.168.1.5")
      // No network at all: loopback, for clients on this host.
      XCTAssertEqual(
        ReachableAddress.choose(listeningOn: wildcard, hostNameAddresses: [], interfaceAddresses: []),
        "127.0.0.1")
    }
  }

  func testRoutableAddresses() {
    for address in ["10.0.0.1", "192.168.1.5", "2001:db8::1", "172.16.0.9"] {
      XCTAssertTrue(ReachableAddress.isRoutable(address), address)
    }
    for address in ["127.0.0.1", "127.0.1.1", "::1", "169.254.1.1", "fe80::1", "0.0.0.0", "::"] {
      XCTAssertFalse(ReachableAddress.isRoutable(address), address)
    }
  }

  /// This machine: a wildcard listener is never written as a wildcard.
  func testThisHostGivesAConcreteAddress() {
    let address = ReachableAddress.forListener(on: "0.0.0.0")
    XCTAssertFalse(ReachableAddress.wildcards.contains(address), address)
    XCTAssertEqual(ReachableAddress.forListener(on: "127.0.0.1"), "127.0.0.1")
  }
}
