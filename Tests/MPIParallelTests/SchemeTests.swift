import XCTest

@testable import MPIParallel

/// Engines 0..<n with the given loads and last-used counters.
private func loads(_ outstanding: [Int], lastUsed: [UInt64]? = nil) -> [EngineLoad] {
  outstanding.indices.map {
    EngineLoad(id: $0, outstanding: outstanding[$0], lastUsed: lastUsed?[$0] ?? UInt64($0))
  }
}

/// How often each engine id is chosen over `draws` selections from `candidates`.
private func histogram(_ scheme: inout some SchedulingScheme, _ candidates: [EngineLoad], draws: Int) -> [Int:
  Int]
{
  var counts: [Int: Int] = [:]
  for _ in 0..<draws { counts[scheme.select(from: candidates)!, default: 0] += 1 }
  return counts
}

/// Every scheme, freshly made with `seed`.
private func allSchemes(seed: UInt64 = 1) -> [AnyScheme] {
  SchemeName.allCases.map { $0.makeScheme(seed: seed) }
}

final class SchemeTests: XCTestCase {
  // MARK: Common behaviour

  func testEverySchemeReturnsNilForNoCandidates() {
    for var scheme in allSchemes() {
      XCTAssertNil(scheme.select(from: []), "\(scheme.name)")
    }
  }

  func testEverySchemeReturnsTheOnlyCandidate() {
    for var scheme in allSchemes() {
      for _ in 0..<20 {
        XCTAssertEqual(
          scheme.select(from: [EngineLoad(id: 7, outstanding: 3, lastUsed: 9)]), 7, "\(scheme.name)")
      }
    }
  }

  func testEverySchemeChoosesAmongTheCandidatesOnly() {
    let candidates = [
      EngineLoad(id: 3, outstanding: 1, lastUsed: 4), EngineLoad(id: 8, outstanding: 0, lastUsed: 2),
      EngineLoad(id: 11, outstanding: 2, lastUsed: 1),
    ]
    for var scheme in allSchemes() {
      for _ in 0..<200 {
        XCTAssertTrue([3, 8, 11].contains(scheme.select(from: candidates)!), "\(scheme.name)")
      }
    }
  }

  func testSameSeedSameSequenceForEveryScheme() {
    let candidates = loads([0, 1, 2, 0, 3, 1, 0, 2])
    for name in SchemeName.allCases {
      var a = name.makeScheme(seed: 99)
      var b = name.makeScheme(seed: 99)
      let first = (0..<500).map { _ in a.select(from: candidates)! }
      let second = (0..<500).map { _ in b.select(from: candidates)! }
      XCTAssertEqual(first, second, "\(name)")
    }
  }

  func testDifferentSeedsGiveDifferentRandomSequences() {
    let candidates = loads([0, 0, 0, 0, 0, 0, 0, 0])
    for name in [SchemeName.plainrandom, .twobin, .weighted] {
      var a = name.makeScheme(seed: 1)
      var b = name.makeScheme(seed: 2)
      let first = (0..<100).map { _ in a.select(from: candidates)! }
      let second = (0..<100).map { _ in b.select(from: candidates)! }
      XCTAssertNotEqual(first, second, "\(name)")
    }
  }

  func testAnySchemeKeepsItsGeneratorStateBetweenCalls() {
    var wrapped = SchemeName.plainrandom.makeScheme(seed: 5)
    var direct = PlainRandom(seed: 5)
    let candidates = loads([0, 0, 0, 0, 0])
    for _ in 0..<100 { XCTAssertEqual(wrapped.select(from: candidates), direct.select(from: candidates)) }
  }

  func testAnySchemeNames() {
    for name in SchemeName.allCases { XCTAssertEqual(name.makeScheme(seed: 0).name, name) }
  }

  func testAnySchemeLeastLoadMatchesLeastLoad() {
    var wrapped = SchemeName.leastload.makeScheme(seed: 0)
    var direct = LeastLoad()
    let candidates = loads([2, 0, 1, 0], lastUsed: [1, 9, 0, 4])
    XCTAssertEqual(wrapped.select(from: candidates), direct.select(from: candidates))
    XCTAssertEqual(wrapped.select(from: candidates), 3)
  }

  // MARK: lru

  func testLRUPicksLongestAgoIgnoringLoad() {
    var scheme = LeastRecentlyUsed()
    XCTAssertEqual(scheme.select(from: loads([5, 0, 1], lastUsed: [1, 9, 3])), 0)
  }

  func testLRUBreaksTiesByLowestID() {
    var scheme = LeastRecentlyUsed()
    let candidates = [
      EngineLoad(id: 4, outstanding: 0, lastUsed: 2), EngineLoad(id: 1, outstanding: 3, lastUsed: 2),
      EngineLoad(id: 2, outstanding: 0, lastUsed: 5),
    ]
    XCTAssertEqual(scheme.select(from: candidates), 1)
  }

  func testLRURoundRobinsWhenTheCallerUpdatesLastUsed() {
    var scheme = LeastRecentlyUsed()
    var candidates = loads([3, 0, 1], lastUsed: [0, 0, 0])
    var picked: [Int] = []
    for clock in 1...6 {
      let id = scheme.select(from: candidates)!
      picked.append(id)
      candidates[id].lastUsed = UInt64(clock)
    }
    XCTAssertEqual(picked, [0, 1, 2, 0, 1, 2])
  }

  // MARK: plainrandom

  func testPlainRandomCoversEveryCandidateUniformly() {
    var scheme = PlainRandom(seed: 3)
    let counts = histogram(&scheme, loads([9, 0, 0, 4, 1]), draws: 10_000)
    XCTAssertEqual(counts.keys.sorted(), [0, 1, 2, 3, 4])
    for id in 0..<5 { XCTAssertEqual(Double(counts[id]!), 2_000, accuracy: 250, "engine \(id)") }
  }

  // MARK: twobin

  func testTwoBinWithTwoCandidatesAlwaysTakesTheLeastRecentlyUsed() {
    var scheme = TwoBin(seed: 11)
    let candidates = [
      EngineLoad(id: 0, outstanding: 0, lastUsed: 8), EngineLoad(id: 1, outstanding: 9, lastUsed: 3),
    ]
    for _ in 0..<100 { XCTAssertEqual(scheme.select(from: candidates), 1) }
  }

  func testTwoBinNeverPicksTheMostRecentlyUsed() {
    // Two distinct candidates are compared, so the most recently used always loses.
    var scheme = TwoBin(seed: 12)
    let counts = histogram(&scheme, loads([0, 0, 0, 0], lastUsed: [4, 1, 2, 3]), draws: 6_000)
    XCTAssertNil(counts[0])
    // Engine 1 (oldest) wins whenever drawn: 3 of the 6 pairs; engine 2: 2 of 6; engine 3: 1 of 6.
    XCTAssertEqual(Double(counts[1]!), 3_000, accuracy: 250)
    XCTAssertEqual(Double(counts[2]!), 2_000, accuracy: 250)
    XCTAssertEqual(Double(counts[3]!), 1_000, accuracy: 200)
  }

  func testTwoBinCoversAllButTheNewestWhenUsedEqually() {
    var scheme = TwoBin(seed: 13)
    let counts = histogram(&scheme, loads([0, 0, 0, 0, 0], lastUsed: [0, 0, 0, 0, 0]), draws: 5_000)
    // Ties go to the lower id, so engine 4 never wins; all others do.
    XCTAssertEqual(counts.keys.sorted(), [0, 1, 2, 3])
  }

  func testTwoBinIgnoresLoad() {
    var scheme = TwoBin(seed: 14)
    let candidates = [
      EngineLoad(id: 0, outstanding: 100, lastUsed: 0), EngineLoad(id: 1, outstanding: 0, lastUsed: 1),
    ]
    XCTAssertEqual(scheme.select(from: candidates), 0)
  }

  // MARK: weighted

  func testWeightedPrefersLightlyLoadedEngines() {
    var scheme = Weighted(seed: 21)
    let counts = histogram(&scheme, loads([0, 5]), draws: 10_000)
    XCTAssertGreaterThan(counts[0]!, counts[1]!)
    // Weights 1 and 1/6: engine 1 wins only when both draws pick it, (1/7)^2 ≈ 2%.
    XCTAssertEqual(Double(counts[1] ?? 0) / 10_000, 1.0 / 49, accuracy: 0.01)
  }

  func testWeightedOrdersEnginesByLoad() {
    var scheme = Weighted(seed: 22)
    let counts = histogram(&scheme, loads([0, 1, 3, 7]), draws: 20_000)
    XCTAssertGreaterThan(counts[0]!, counts[1]!)
    XCTAssertGreaterThan(counts[1]!, counts[2]!)
    XCTAssertGreaterThan(counts[2]!, counts[3] ?? 0)
  }

  func testWeightedStillChoosesLoadedEnginesSometimes() {
    var scheme = Weighted(seed: 23)
    let counts = histogram(&scheme, loads([0, 2, 2, 2]), draws: 20_000)
    XCTAssertEqual(counts.keys.sorted(), [0, 1, 2, 3])
  }

  func testWeightedEqualLoadsCoverEveryCandidate() {
    var scheme = Weighted(seed: 24)
    let counts = histogram(&scheme, loads([1, 1, 1, 1], lastUsed: [0, 0, 0, 0]), draws: 10_000)
    XCTAssertEqual(counts.keys.sorted(), [0, 1, 2, 3])
  }

  func testWeightedTieOnLoadGoesToLeastRecentlyUsed() {
    let old = EngineLoad(id: 5, outstanding: 2, lastUsed: 1)
    let recent = EngineLoad(id: 2, outstanding: 2, lastUsed: 7)
    XCTAssertTrue(Weighted.prefers(old, over: recent))
    XCTAssertFalse(Weighted.prefers(recent, over: old))
    XCTAssertTrue(Weighted.prefers(EngineLoad(id: 9, outstanding: 1, lastUsed: 9), over: old))
    XCTAssertEqual(Weighted.weight(EngineLoad(id: 0, outstanding: 3, lastUsed: 0)), 0.25)
  }

  func testWeightedWithManyCandidatesStaysInRange() {
    var scheme = Weighted(seed: 25)
    let candidates = loads((0..<64).map { $0 % 5 })
    let counts = histogram(&scheme, candidates, draws: 20_000)
    XCTAssertTrue(counts.keys.allSatisfy { (0..<64).contains($0) })
    XCTAssertGreaterThan(counts.count, 48)
  }
}

final class SchemeNameTests: XCTestCase {
  func testParsesEveryName() throws {
    for name in SchemeName.allCases { XCTAssertEqual(try SchemeName.parse(name.rawValue), name) }
    XCTAssertEqual(try SchemeName.parse("  TwoBin\n"), .twobin)
  }

  func testNamesAreIPythons() {
    XCTAssertEqual(
      SchemeName.allCases.map(\.rawValue), ["leastload", "lru", "plainrandom", "twobin", "weighted"])
  }

  func testUnknownNameIsAClearError() {
    XCTAssertThrowsError(try SchemeName.parse("x")) { error in
      XCTAssertEqual(
        error as? ParallelError,
        .invalidArgument("unknown scheme 'x'; valid schemes: leastload, lru, plainrandom, twobin, weighted"))
    }
    XCTAssertThrowsError(try SchemeName.parse(""))
    XCTAssertThrowsError(try SchemeName.parse("pure"))
  }
}
