// The heat example's remote functions. Each engine keeps its slab of the grid
// in its namespace: `heat` (a `HeatState`: the grid's size, alpha, the source
// strength, the step count and this engine's rows and neighbours) and
// `heat.u` (the slab, row-major), so `dview.gather("heat.u", as: [Double].self)`
// is the whole grid too.
//
// heat.advance, heat.stats and heat.pgm talk among the engines (halo exchange,
// Allreduce) over `EngineContext.current.communicator`, so they, heat.init and
// heat.source are declared `collective`: the hub runs them only on every
// engine at once (a DirectView of all engines, `client[...]`) and refuses a
// call on some engines, which would leave them waiting for the others.
import MPIParallel

/// An engine's part of the simulation, kept in its namespace as `heat`.
struct HeatState: Codable, Sendable {
  var rows: Int
  var cols: Int
  var alpha: Double
  var strength: Double
  var step: Int
  /// This engine's rows of the grid (possibly empty).
  var slab: Range<Int>
  /// The engines owning the rows just above and below the slab, if any.
  var above: Int?
  var below: Int?
}

/// Namespace names.
enum HeatName {
  static let state = "heat"
  static let field = "heat.u"
}

/// Message tags of the halo exchange on the engines' communicator.
enum HaloTag {
  /// A slab's first row, going up to the engine above.
  static let up = 7_001
  /// A slab's last row, going down to the engine below.
  static let down = 7_002
}

/// This engine's state and slab, or `HeatError.notInitialised`.
func heatState(_ engine: EngineContext, _ function: String) throws -> (HeatState, [Double]) {
  guard let state: HeatState = engine[HeatName.state], let u: [Double] = engine[HeatName.field] else {
    throw HeatError.notInitialised(function: function)
  }
  return (state, u)
}

/// `heat.init(rows, cols, alpha)`: a zero field, step 0, source strength 1;
/// returns how many rows this engine owns.
let heatInit = RemoteFunction("heat.init", collective: true) { (rows: Int, cols: Int, alpha: Double) -> Int in
  guard rows >= 1, cols >= 1 else { throw HeatError.emptyGrid(rows: rows, cols: cols) }
  guard alpha > 0, alpha <= 0.25 else { throw HeatError.unstableAlpha(alpha) }
  let engine = try EngineContext.current
  let slab = HeatModel.slab(part: engine.id, of: engine.count, rows: rows)
  let (above, below) = HeatModel.neighbours(part: engine.id, of: engine.count, rows: rows)
  let state = HeatState(
    rows: rows, cols: cols, alpha: alpha, strength: 1, step: 0, slab: slab, above: above, below: below)
  engine.set(HeatName.state, state)
  engine.set(HeatName.field, [Double](repeating: 0, count: slab.count * cols))
  return slab.count
}

/// `heat.advance(steps)`: `steps` time steps, each a halo exchange with the
/// neighbouring engines and then the update; returns the step count so far.
let heatAdvance = RemoteFunction("heat.advance", collective: true) { (steps: Int) -> Int in
  let engine = try EngineContext.current
  var (state, u) = try heatState(engine, "heat.advance")
  guard steps >= 0 else { throw HeatError.negativeSteps(steps) }
  let comm = engine.communicator
  let cols = state.cols
  let count = state.slab.count
  let source = HeatModel.source(rows: state.rows, cols: cols)
  for _ in 0..<steps {
    var above: [Double] = []
    var below: [Double] = []
    if count > 0 {
      // Send the first row up and get the next slab's first row from below,
      // then send the last row down and get the previous slab's last row from
      // above. MPI_Sendrecv with no neighbour (nil) sends or receives nothing.
      below = try comm.sendReceive(
        Array(u[0..<cols]), to: state.above, sendTag: HaloTag.up, receiveCount: cols, from: state.below,
        receiveTag: HaloTag.up)
      above = try comm.sendReceive(
        Array(u[(count - 1) * cols..<count * cols]), to: state.below, sendTag: HaloTag.down,
        receiveCount: cols, from: state.above, receiveTag: HaloTag.down)
      if let from = state.below, below.count != cols {
        throw HeatError.haloMismatch(from: from, expected: cols, received: below.count)
      }
      if let from = state.above, above.count != cols {
        throw HeatError.haloMismatch(from: from, expected: cols, received: above.count)
      }
    }
    u = HeatModel.step(
      u, count: count, cols: cols, firstRow: state.slab.lowerBound, above: above, below: below,
      alpha: state.alpha, source: source, strength: state.strength)
  }
  state.step += steps
  engine.set(HeatName.field, u)
  engine.set(HeatName.state, state)
  return state.step
}

/// `heat.source(strength)`: sets the source's strength; returns the previous one.
let heatSource = RemoteFunction("heat.source", collective: true) { (strength: Double) -> Double in
  let engine = try EngineContext.current
  var (state, _) = try heatState(engine, "heat.source")
  guard strength.isFinite else { throw HeatError.invalidStrength(strength) }
  let previous = state.strength
  state.strength = strength
  engine.set(HeatName.state, state)
  return previous
}

/// The whole field's minimum and maximum (Allreduce over the engines); an
/// engine without rows contributes +inf and -inf.
func globalRange(_ u: [Double], _ comm: Communicator) throws -> (min: Double, max: Double) {
  let low = try comm.allreduce(u.min() ?? .infinity, .minimum)
  let high = try comm.allreduce(u.max() ?? -.infinity, .maximum)
  return (low, high)
}

/// `heat.stats()`: step, min, max, mean of the whole grid; the same on every engine.
let heatStats = RemoteFunction("heat.stats", collective: true) { () -> HeatStats in
  let engine = try EngineContext.current
  let (state, u) = try heatState(engine, "heat.stats")
  let (low, high) = try globalRange(u, engine.communicator)
  let sum = try engine.communicator.allreduce(u.reduce(0, +), .sum)
  return HeatStats(
    step: state.step, min: low, max: high, mean: sum / Double(state.rows * state.cols), rows: state.rows,
    cols: state.cols)
}

/// `heat.field()`: this engine's slab, row-major; the engines' slabs in engine
/// order are the whole grid.
let heatField = RemoteFunction("heat.field") { () -> [Double] in
  try heatState(EngineContext.current, "heat.field").1
}

/// `heat.pgm()`: this engine's rows of an ASCII PGM (P2) picture of the whole
/// field, grey levels scaled to the global min (0) and max (255); engine 0's
/// part starts with the header, so the parts in engine order are the file.
let heatPGM = RemoteFunction("heat.pgm", collective: true) { () -> String in
  let engine = try EngineContext.current
  let (state, u) = try heatState(engine, "heat.pgm")
  let (low, high) = try globalRange(u, engine.communicator)
  let header = engine.id == 0 ? HeatModel.pgmHeader(rows: state.rows, cols: state.cols) : ""
  return header + HeatModel.pgmBody(u, cols: state.cols, low: low, high: high)
}
