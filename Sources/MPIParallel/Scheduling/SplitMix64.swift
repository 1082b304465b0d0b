/// A small, fast, seedable random number generator (Steele, Lea and Flood's
/// SplitMix64). The randomized schemes own one, so a seed fixes the sequence of
/// engines they pick: tests are deterministic and a run can be replayed.
///
/// Not for cryptography. Two generators with the same seed produce the same
/// numbers on every platform.
struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator whose sequence is fixed by `seed` (any value, 0 included).
  init(seed: UInt64) {
    state = seed
  }

  /// The next 64 random bits.
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
