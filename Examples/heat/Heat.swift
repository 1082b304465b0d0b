// The model of the heat example, shared by the engines and the driver's serial
// check: the grid's partition into slabs, the heat source, one explicit time
// step, and the PGM picture. The engines and the serial computation call the
// very same `HeatModel.step`, so their results agree to the last bit.

/// What the heat functions refuse, with a message fit for a `RemoteError`.
enum HeatError: Error, CustomStringConvertible {
  /// `alpha` outside (0, 0.25]: the explicit 5-point scheme is unstable there.
  case unstableAlpha(Double)
  /// A grid without cells (`rows` or `cols` below 1).
  case emptyGrid(rows: Int, cols: Int)
  /// A function other than `heat.init` ran before `heat.init`.
  case notInitialised(function: String)
  /// `heat.advance` with a negative step count.
  case negativeSteps(Int)
  /// A source strength that is not a finite number.
  case invalidStrength(Double)
  /// A neighbour sent a halo row of the wrong length.
  case haloMismatch(from: Int, expected: Int, received: Int)
  /// A bad command-line argument of the driver.
  case badArgument(String)

  var description: String {
    switch self {
    case .unstableAlpha(let alpha):
      return "alpha must be in (0, 0.25] for the explicit scheme to be stable, got \(alpha)"
    case .emptyGrid(let rows, let cols):
      return "the grid needs at least 1 row and 1 column, got \(rows) x \(cols)"
    case .notInitialised(let function):
      return
        "\(function): the heat field is not initialised on this engine; call heat.init on every engine first"
    case .negativeSteps(let steps):
      return "the number of steps must be 0 or more, got \(steps)"
    case .invalidStrength(let strength):
      return "the source strength must be a finite number, got \(strength)"
    case .haloMismatch(let from, let expected, let received):
      return "halo exchange: engine \(from) sent \(received) values, expected \(expected)"
    case .badArgument(let message):
      return message
    }
  }
}

/// The whole grid's statistics at one step; every engine computes the same
/// (`heat.stats` reduces over all engines).
struct HeatStats: Codable, Sendable, Equatable, CustomStringConvertible {
  var step: Int
  var min: Double
  var max: Double
  var mean: Double
  var rows: Int
  var cols: Int

  var description: String {
    "step \(step): min \(min), max \(max), mean \(mean) over \(rows) x \(cols)"
  }
}

enum HeatModel {
  /// The rows engine `part` of `parts` owns out of `rows`: a block partition
  /// (the first `rows % parts` engines own one row more; with fewer rows than
  /// engines the last engines own none), the split `DirectView.map` and
  /// `scatter` use.
  static func slab(part: Int, of parts: Int, rows: Int) -> Range<Int> {
    let base = rows / parts
    let extra = rows % parts
    let lower = part * base + Swift.min(part, extra)
    return lower..<(lower + base + (part < extra ? 1 : 0))
  }

  /// The nearest engines before and after `part` that own rows: the halo
  /// neighbours. An engine owning no rows has none (it takes no part in the
  /// exchange), and the first and last engines with rows have no neighbour
  /// on their outer side.
  static func neighbours(part: Int, of parts: Int, rows: Int) -> (above: Int?, below: Int?) {
    func owns(_ p: Int) -> Bool { !slab(part: p, of: parts, rows: rows).isEmpty }
    guard owns(part) else { return (nil, nil) }
    return (
      stride(from: part - 1, through: 0, by: -1).first(where: owns),
      (part + 1..<parts).first(where: owns)
    )
  }

  /// The heat source: a square of side max(1, min(rows, cols) / 8) cells
  /// centred in the grid (rows `(rows - side) / 2 ..<` that + side, the same
  /// for columns). Every step adds the source strength to each of its cells.
  static func source(rows: Int, cols: Int) -> (rows: Range<Int>, cols: Range<Int>) {
    let side = Swift.max(1, Swift.min(rows, cols) / 8)
    let top = (rows - side) / 2
    let left = (cols - side) / 2
    return (top..<(top + side), left..<(left + side))
  }

  /// One explicit step of u_t = Laplacian(u) + source on `slab` (`count`
  /// rows of `cols`, row-major, global rows `firstRow ..<` firstRow + count):
  ///
  ///     u'[i][j] = u[i][j] + alpha * (up + down + left + right - 4 u[i][j])  (+ strength in the source)
  ///
  /// with zero outside the grid (Dirichlet boundary u = 0 on the frame around
  /// the grid). `above` and `below` are the neighbours' halo rows, `[]` where
  /// the slab is at the grid's edge.
  static func step(
    _ slab: [Double], count: Int, cols: Int, firstRow: Int, above: [Double], below: [Double], alpha: Double,
    source: (rows: Range<Int>, cols: Range<Int>), strength: Double
  ) -> [Double] {
    precondition(slab.count == count * cols, "a slab of \(count) x \(cols) has \(slab.count) values")
    precondition(above.isEmpty || above.count == cols, "halo row of \(above.count), not \(cols)")
    precondition(below.isEmpty || below.count == cols, "halo row of \(below.count), not \(cols)")
    return [Double](unsafeUninitializedCapacity: slab.count) { next, initialized in
      slab.withUnsafeBufferPointer { u in
        for i in 0..<count {
          let row = i * cols
          let inSource = source.rows.contains(firstRow + i)
          for j in 0..<cols {
            let centre = u[row + j]
            let up = i > 0 ? u[row - cols + j] : (above.isEmpty ? 0 : above[j])
            let down = i < count - 1 ? u[row + cols + j] : (below.isEmpty ? 0 : below[j])
            let left = j > 0 ? u[row + j - 1] : 0
            let right = j < cols - 1 ? u[row + j + 1] : 0
            var value = centre + alpha * (up + down + left + right - 4 * centre)
            if inSource && source.cols.contains(j) { value += strength }
            next[row + j] = value
          }
        }
      }
      initialized = slab.count
    }
  }

  /// The PGM (P2) header of a `rows` x `cols` picture with 255 grey levels.
  static func pgmHeader(rows: Int, cols: Int) -> String { "P2\n\(cols) \(rows)\n255\n" }

  /// Grey levels per line of the PGM (lines stay within the format's 70 characters).
  static let levelsPerLine = 16

  /// `values` (whole rows of `cols`) as PGM lines, scaled linearly so that
  /// `low` is 0 and `high` is 255 (all 0 when the field is flat). Each row
  /// starts on a new line; long rows wrap.
  static func pgmBody(_ values: [Double], cols: Int, low: Double, high: Double) -> String {
    var text = ""
    let range = high - low
    for rowStart in stride(from: 0, to: values.count, by: cols) {
      for lineStart in stride(from: rowStart, to: rowStart + cols, by: levelsPerLine) {
        let line = values[lineStart..<Swift.min(lineStart + levelsPerLine, rowStart + cols)].map { value in
          let level = range > 0 ? ((value - low) / range * 255).rounded() : 0
          return String(Swift.min(255, Swift.max(0, Int(level))))
        }
        text += line.joined(separator: " ") + "\n"
      }
    }
    return text
  }
}
