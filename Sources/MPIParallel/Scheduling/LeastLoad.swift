/// IPython's default scheme: the engine with the fewest outstanding tasks;
/// among equals, the least recently used.
struct LeastLoad: SchedulingScheme {
  mutating func select(from candidates: [EngineLoad]) -> Int? {
    var best: EngineLoad?
    for candidate in candidates {
      guard let current = best else {
        best = candidate
        continue
      }
      if candidate.outstanding < current.outstanding
        || (candidate.outstanding == current.outstanding && candidate.lastUsed < current.lastUsed)
      {
        best = candidate
      }
    }
    return best?.id
  }
}
