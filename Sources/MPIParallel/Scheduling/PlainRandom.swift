/// IPython's `plainrandom` scheme: any candidate, uniformly at random, whatever
/// its load or history.
struct PlainRandom: SchedulingScheme {
  private var generator: SplitMix64

  /// A scheme whose choices are fixed by `seed`.
  init(seed: UInt64) {
    generator = SplitMix64(seed: seed)
  }

  mutating func select(from candidates: [EngineLoad]) -> Int? {
    guard !candidates.isEmpty else { return nil }
    return candidates[Int.random(in: 0..<candidates.count, using: &generator)].id
  }
}
