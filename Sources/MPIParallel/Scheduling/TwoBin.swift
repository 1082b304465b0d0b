/// IPython's `twobin` scheme ("the power of two choices"): two distinct
/// candidates at random, and of those the least recently used (the lower id
/// among equals). Loads are ignored.
///
/// IPython draws the two with replacement from a list kept in LRU order; here
/// they are distinct, so with two or more candidates there is always a choice.
/// With a single candidate it is returned.
struct TwoBin: SchedulingScheme {
  private var generator: SplitMix64

  /// A scheme whose choices are fixed by `seed`.
  init(seed: UInt64) {
    generator = SplitMix64(seed: seed)
  }

  mutating func select(from candidates: [EngineLoad]) -> Int? {
    switch candidates.count {
    case 0: return nil
    case 1: return candidates[0].id
    default:
      let first = Int.random(in: 0..<candidates.count, using: &generator)
      var second = Int.random(in: 0..<(candidates.count - 1), using: &generator)
      if second >= first { second += 1 }
      let a = candidates[first]
      let b = candidates[second]
      return EngineLoad.usedLongerAgo(a, b) ? a.id : b.id
    }
  }
}
