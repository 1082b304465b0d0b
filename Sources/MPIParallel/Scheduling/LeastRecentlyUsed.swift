/// IPython's `lru` scheme: the engine that was given a task longest ago,
/// whatever its load; among equals, the lowest id.
///
/// With a high-water mark of 1 every candidate is idle, so this is a round
/// robin over the free engines.
struct LeastRecentlyUsed: SchedulingScheme {
  mutating func select(from candidates: [EngineLoad]) -> Int? {
    candidates.min(by: EngineLoad.usedLongerAgo)?.id
  }
}

extension EngineLoad {
  /// True when `a` was used longer ago than `b`; the lower id first among equals.
  /// The order the `lru` and `twobin` schemes prefer.
  static func usedLongerAgo(_ a: EngineLoad, _ b: EngineLoad) -> Bool {
    a.lastUsed != b.lastUsed ? a.lastUsed < b.lastUsed : a.id < b.id
  }
}
