/// IPython's `weighted` scheme: two candidates drawn at random with probability
/// proportional to their inverse load, 1 / (outstanding + 1), and of those the
/// one with fewer outstanding tasks; among equals the least recently used, then
/// the lower id.
///
/// As in IPython the two draws are independent (both may pick the same
/// engine). Idle engines are therefore favoured twice: they are drawn more
/// often and they win the comparison, yet a loaded engine is still chosen now
/// and then, which spreads work when the loads the hub sees are stale.
/// (IPython weighs by 1 / (1e-6 + load), which all but excludes loaded engines
/// while an idle one exists; `+ 1` keeps the choice random.)
struct Weighted: SchedulingScheme {
  private var generator: SplitMix64

  /// A scheme whose choices are fixed by `seed`.
  init(seed: UInt64) {
    generator = SplitMix64(seed: seed)
  }

  /// The weight of a candidate: its inverse load.
  static func weight(_ candidate: EngineLoad) -> Double {
    1 / (Double(max(candidate.outstanding, 0)) + 1)
  }

  mutating func select(from candidates: [EngineLoad]) -> Int? {
    switch candidates.count {
    case 0: return nil
    case 1: return candidates[0].id
    default:
      // Two passes and no allocation: the total weight, then the candidates
      // whose cumulative weight first exceeds each of the two draws.
      var total = 0.0
      for candidate in candidates { total += Weighted.weight(candidate) }
      let x = Double.random(in: 0..<total, using: &generator)
      let y = Double.random(in: 0..<total, using: &generator)
      var first: EngineLoad?
      var second: EngineLoad?
      var sum = 0.0
      for candidate in candidates {
        sum += Weighted.weight(candidate)
        if first == nil, sum > x { first = candidate }
        if second == nil, sum > y { second = candidate }
        if first != nil, second != nil { break }
      }
      // Rounding can leave a draw just below the total unmatched: the last one.
      let a = first ?? candidates[candidates.count - 1]
      let b = second ?? candidates[candidates.count - 1]
      return Weighted.prefers(a, over: b) ? a.id : b.id
    }
  }

  /// Fewer outstanding tasks first, then used longer ago, then the lower id.
  static func prefers(_ a: EngineLoad, over b: EngineLoad) -> Bool {
    a.outstanding != b.outstanding ? a.outstanding < b.outstanding : EngineLoad.usedLongerAgo(a, b)
  }
}
