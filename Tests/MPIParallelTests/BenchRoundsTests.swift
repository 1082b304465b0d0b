import XCTest

@testable import mpiparallel_bench

final class BenchRoundsTests: XCTestCase {
  func testMedianOfAnOddCountIsTheMiddleValue() {
    var rounds = BenchRounds()
    for rate in [300.0, 500.0, 400.0] { rounds.add(["rate": rate]) }
    XCTAssertEqual(rounds.median("rate"), 400)
    XCTAssertEqual(rounds.range("rate"), 300...500)
  }

  func testMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    var rounds = BenchRounds()
    for rate in [4.0, 1.0, 3.0, 2.0] { rounds.add(["rate": rate]) }
    XCTAssertEqual(rounds.median("rate"), 2.5)
  }

  func testKeysMissingFromSomeRoundsUseTheRoundsThatHaveThem() {
    var rounds = BenchRounds()
    rounds.add(["a": 1.0])
    rounds.add(["a": 5.0, "b": 7.0])
    rounds.add(["a": 3.0, "note": "not a number"])
    XCTAssertEqual(rounds.values("b"), [7])
    XCTAssertNil(rounds.median("note"))
    XCTAssertNil(rounds.median("absent"))
    XCTAssertNil(rounds.range("absent"))
    XCTAssertEqual(rounds.combined(), ["a": 3, "b": 7])
  }

  func testIntegersFromJSONCountAsNumbers() throws {
    let object = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(#"{"rss": 121, "rate": 2.5}"#.utf8)) as? [String: Any])
    var rounds = BenchRounds()
    rounds.add(object)
    XCTAssertEqual(rounds.median("rss"), 121)
    XCTAssertEqual(rounds.median("rate"), 2.5)
  }

  func testTheSplitOfATotalComesFromTheRoundWithTheMedianTotal() {
    var rounds = BenchRounds(splits: ["cpu": ["user", "system"]])
    rounds.add(["cpu": 2.0, "user": 0.5, "system": 1.5])
    rounds.add(["cpu": 1.0, "user": 0.9, "system": 0.1])
    rounds.add(["cpu": 1.5, "user": 1.0, "system": 0.5])
    let combined = rounds.combined()
    // Medians taken part by part (user 0.9, system 0.5) would not add up to 1.5.
    XCTAssertEqual(combined["cpu"], 1.5)
    XCTAssertEqual(combined["user"], 1.0)
    XCTAssertEqual(combined["system"], 0.5)
  }

  func testAnEvenCountSplitsByTheLowerMiddleRound() {
    var rounds = BenchRounds(splits: ["cpu": ["user"]])
    for (cpu, user) in [(4.0, 3.0), (1.0, 0.5), (3.0, 2.0), (2.0, 1.0)] {
      rounds.add(["cpu": cpu, "user": user])
    }
    XCTAssertEqual(rounds.combined()["cpu"], 2)
    XCTAssertEqual(rounds.combined()["user"], 1)
  }

  func testCoreShareIsCPUPerTaskTimesRateInPercent() {
    XCTAssertEqual(Orchestrator.coreShare(["cpu": 2.0, "rate": 400_000.0], cpu: "cpu", rate: "rate"), 80)
    XCTAssertNil(Orchestrator.coreShare(["cpu": 2.0], cpu: "cpu", rate: "rate"))
  }
}
