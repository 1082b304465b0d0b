/// The load-balancing schemes, by the names IPython gives them. Chosen for the
/// whole cluster (a start-up option) or per view and per call (`TaskFlags.scheme`).
public enum SchemeName: String, CaseIterable, Sendable {
  /// The engine with the fewest outstanding tasks; the least recently used among
  /// equals (the default).
  case leastload
  /// The engine given a task longest ago, whatever its load.
  case lru
  /// Any engine, uniformly at random.
  case plainrandom
  /// Two engines at random; the least recently used of the two.
  case twobin
  /// Two engines at random, weighted by inverse load; the less loaded of the two.
  case weighted

  /// The scheme named `text` (case and surrounding blanks ignored).
  ///
  /// - Throws: `ParallelError.invalidArgument` naming the valid schemes when
  ///   `text` names none of them.
  public static func parse(_ text: String) throws -> SchemeName {
    let trimmed = text.trimmingBlanks().lowercased()
    guard let name = SchemeName(rawValue: trimmed) else {
      let valid = allCases.map(\.rawValue).joined(separator: ", ")
      throw ParallelError.invalidArgument("unknown scheme '\(text)'; valid schemes: \(valid)")
    }
    return name
  }

  /// A fresh instance of this scheme; the randomized ones draw from `seed`
  /// (the others ignore it).
  func makeScheme(seed: UInt64) -> AnyScheme {
    switch self {
    case .leastload: return .leastload(LeastLoad())
    case .lru: return .lru(LeastRecentlyUsed())
    case .plainrandom: return .plainrandom(PlainRandom(seed: seed))
    case .twobin: return .twobin(TwoBin(seed: seed))
    case .weighted: return .weighted(Weighted(seed: seed))
    }
  }
}

extension String {
  /// The string without leading and trailing spaces, tabs and newlines.
  fileprivate func trimmingBlanks() -> String {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) })
    else { return "" }
    return String(self[first...last])
  }
}
