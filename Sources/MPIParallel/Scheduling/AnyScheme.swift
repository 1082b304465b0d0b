/// One of the five schemes, as a concrete enum so the hub calls it with a
/// switch, without an existential or dynamic dispatch. Make one with
/// `SchemeName.makeScheme(seed:)`.
enum AnyScheme: SchedulingScheme {
  case leastload(LeastLoad)
  case lru(LeastRecentlyUsed)
  case plainrandom(PlainRandom)
  case twobin(TwoBin)
  case weighted(Weighted)

  /// The name of the wrapped scheme.
  var name: SchemeName {
    switch self {
    case .leastload: return .leastload
    case .lru: return .lru
    case .plainrandom: return .plainrandom
    case .twobin: return .twobin
    case .weighted: return .weighted
    }
  }

  /// The wrapped scheme's choice; the randomized ones advance their generator.
  mutating func select(from candidates: [EngineLoad]) -> Int? {
    switch self {
    case .leastload(var scheme):
      let chosen = scheme.select(from: candidates)
      self = .leastload(scheme)
      return chosen
    case .lru(var scheme):
      let chosen = scheme.select(from: candidates)
      self = .lru(scheme)
      return chosen
    case .plainrandom(var scheme):
      let chosen = scheme.select(from: candidates)
      self = .plainrandom(scheme)
      return chosen
    case .twobin(var scheme):
      let chosen = scheme.select(from: candidates)
      self = .twobin(scheme)
      return chosen
    case .weighted(var scheme):
      let chosen = scheme.select(from: candidates)
      self = .weighted(scheme)
      return chosen
    }
  }
}
