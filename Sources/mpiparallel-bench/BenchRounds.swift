import Foundation

/// The rounds of one benchmark case (or of one C floor), and what the
/// benchmark reports of them: each figure's median over the rounds, and its
/// range. A figure that is split into parts (rank 0's CPU per task into user
/// and kernel time) reports the parts of the round whose total is the
/// median, so that the parts still add up to the total.
struct BenchRounds {
  /// Each round's numbers, by key.
  private(set) var rounds: [[String: Double]] = []
  /// Total key, and the keys of its parts.
  let splits: [String: [String]]

  init(splits: [String: [String]] = [:]) {
    self.splits = splits
  }

  /// Adds a round's JSON object; values that are not numbers are left out.
  mutating func add(_ values: [String: Any]) {
    rounds.append(values.compactMapValues { ($0 as? Double) ?? ($0 as? Int).map(Double.init) })
  }

  /// The values `key` took, in the order of the rounds that reported it.
  func values(_ key: String) -> [Double] { rounds.compactMap { $0[key] } }

  /// The median of `key` over the rounds (the mean of the middle two for an
  /// even count); nil when no round reported it.
  func median(_ key: String) -> Double? {
    let sorted = values(key).sorted()
    guard !sorted.isEmpty else { return nil }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  /// The smallest and largest value of `key`; nil when no round reported it.
  func range(_ key: String) -> ClosedRange<Double>? {
    let values = values(key)
    guard let low = values.min(), let high = values.max() else { return nil }
    return low...high
  }

  /// Every key's median, except the parts of a split total, which come from
  /// the round whose total is the median (the lower of the middle two for
  /// an even count).
  func combined() -> [String: Double] {
    var result: [String: Double] = [:]
    for key in Set(rounds.flatMap(\.keys)) { result[key] = median(key) }
    for (total, parts) in splits {
      let ranked = rounds.filter { $0[total] != nil }.sorted { $0[total]! < $1[total]! }
      guard !ranked.isEmpty else { continue }
      let round = ranked[(ranked.count - 1) / 2]
      result[total] = round[total]
      for part in parts { result[part] = round[part] }
    }
    return result
  }
}
