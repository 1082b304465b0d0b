// heat — a 2-D heat equation on MPI engines, with halo exchange.
//
// The grid (rows x cols doubles, zero at first, zero outside: a Dirichlet
// boundary) is split into slabs of whole rows, one per engine (a block
// partition, as scatter splits arrays). Each time step every engine swaps its
// edge rows with the engines above and below over the engines' own
// communicator (MPI_Sendrecv), then applies the explicit 5-point stencil
// u += alpha * Laplacian(u), plus the source strength in a small square of
// cells in the middle. The state stays on the engines between calls, so a
// driver (or a steering client, when the job is served) advances the run in
// legs, changes the source in between, and looks at statistics, the field or
// a picture.
//
// The driver here runs three legs (source 1, then 4, then off), and after each
// compares the gathered field and the statistics with a serial computation of
// the same arithmetic (equal bit for bit); it exits non-zero on a mismatch.
//
//   mpirun -np 8 .build/debug/heat [--rows 64] [--cols 48] [--steps 200] [--alpha 0.2] [--pgm FILE]
import Foundation
import MPIParallel

struct Options {
  var rows = 64
  var cols = 48
  var steps = 200
  var alpha = 0.2
  /// Where to write the final field as a PGM picture.
  var pgm: String?

  static let usage = "usage: heat [--rows N] [--cols N] [--steps N] [--alpha X] [--pgm FILE]"

  /// `--name value` or `--name=value` pairs, from `Cluster.arguments` without the program's name.
  static func parse(_ arguments: [String]) -> Result<Options, HeatError> {
    var options = Options()
    var rest = arguments[...]
    while let argument = rest.popFirst() {
      var name = argument
      var value: String?
      if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
      }
      guard ["--rows", "--cols", "--steps", "--alpha", "--pgm"].contains(name) else {
        return .failure(.badArgument("unknown argument '\(argument)'; \(usage)"))
      }
      guard let text = value ?? rest.popFirst() else {
        return .failure(.badArgument("\(name) needs a value; \(usage)"))
      }
      func integer(atLeast minimum: Int) -> Int? { Int(text).flatMap { $0 >= minimum ? $0 : nil } }
      switch name {
      case "--rows", "--cols":
        guard let n = integer(atLeast: 1) else {
          return .failure(.badArgument("\(name) needs a whole number of at least 1, got '\(text)'"))
        }
        if name == "--rows" { options.rows = n } else { options.cols = n }
      case "--steps":
        guard let n = integer(atLeast: 0) else {
          return .failure(.badArgument("--steps needs a whole number of at least 0, got '\(text)'"))
        }
        options.steps = n
      case "--alpha":
        guard let alpha = Double(text) else {
          return .failure(.badArgument("--alpha needs a number, got '\(text)'"))
        }
        options.alpha = alpha
      default:
        options.pgm = text
      }
    }
    return .success(options)
  }
}

struct CheckFailed: Error, CustomStringConvertible { let description: String }
func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") throws {
  guard ok else { throw CheckFailed(description: "check '\(name)' failed: \(detail())") }
  print("CHECK \(name): ok")
}

/// Runs `body`, which must fail on every one of `engines` engines with a
/// message containing `text`.
func checkRefused(_ name: String, engines: Int, containing text: String, _ body: () throws -> Void) throws {
  var messages: [String] = []
  do {
    try body()
  } catch let error as CompositeError {
    messages = error.failures.map(\.message)
  } catch let error as RemoteError {
    messages = [error.message]
  }
  print("refused: \(messages.first ?? "(not refused)")")
  try check(name, messages.count == engines && messages.allSatisfy { $0.contains(text) }, "\(messages)")
}

/// The statistics the engines should report for the serial field `u`.
func serialStats(_ u: [Double], step: Int, rows: Int, cols: Int) -> HeatStats {
  HeatStats(
    step: step, min: u.min() ?? 0, max: u.max() ?? 0, mean: u.reduce(0, +) / Double(u.count), rows: rows,
    cols: cols)
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

Cluster.lineBufferStandardOutput()  // print each line as it happens, even into a pipe

let parsedOptions = Options.parse(Array(Cluster.arguments.dropFirst()))

Cluster.run(heatInit, heatAdvance, heatSource, heatStats, heatField, heatPGM) { client in
  let options = try parsedOptions.get()
  let (rows, cols, alpha) = (options.rows, options.cols, options.alpha)
  let engines = client.ids.count
  // Three legs: the source at 1 (its strength after heat.init), at 4, then off.
  let legs = [
    (steps: options.steps / 2, strength: 1.0), (steps: options.steps / 4, strength: 4.0),
    (steps: options.steps - options.steps / 2 - options.steps / 4, strength: 0.0),
  ]
  let source = HeatModel.source(rows: rows, cols: cols)
  let onEngines = "\(options.steps) steps on \(engines) engine\(engines == 1 ? "" : "s")"
  print("heat: \(rows) x \(cols) grid, alpha \(alpha), \(onEngines)")
  print(
    "source: rows \(source.rows.lowerBound)..<\(source.rows.upperBound), "
      + "columns \(source.cols.lowerBound)..<\(source.cols.upperBound); legs "
      + legs.map { "\($0.steps) steps at \($0.strength)" }.joined(separator: ", "))

  // dview = rc[:] -- every heat function runs on all the engines at once.
  let dview = client[...]

  // The refusals: advancing a field that does not exist, an unstable alpha.
  try checkRefused(
    "heat.advance before heat.init is refused", engines: engines, containing: "not initialised"
  ) {
    _ = try dview.apply(heatAdvance, 1).get()
  }
  try checkRefused("alpha 0.3 is refused", engines: engines, containing: "alpha must be in (0, 0.25]") {
    _ = try dview.apply(heatInit, rows, cols, 0.3).get()
  }
  // The collective functions run on every engine or not at all: the hub
  // refuses a call on one engine, which would wait for its neighbours forever.
  do {
    _ = try client[0].apply(heatAdvance, 1).get(timeout: .seconds(10))
    throw CheckFailed(description: "heat.advance on engine 0 alone was not refused")
  } catch let error as ParallelError {
    try check("heat.advance on one engine is refused", "\(error)".contains("collective"), "\(error)")
  }

  // The parallel run: init, then per leg set the source, advance, look.
  let parallelStart = now()
  let owned = try dview.apply(heatInit, rows, cols, alpha).get()
  var previousStrengths: [[Double]] = []
  var stepCounts: [[Int]] = []
  var fields: [[Double]] = []
  var stats: [[HeatStats]] = []
  for leg in legs {
    previousStrengths.append(try dview.apply(heatSource, leg.strength).get())
    stepCounts.append(try dview.apply(heatAdvance, leg.steps).get())
    fields.append(try dview.apply(heatField).get().flatMap { $0 })
    stats.append(try dview.apply(heatStats).get())
  }
  let namespaceField = try dview.gather(HeatName.field, as: [Double].self).get()
  let pgmParts = try dview.apply(heatPGM).get()
  let parallelTime = now() - parallelStart

  // The serial computation: the same steps over the whole grid at once.
  let serialStart = now()
  var u = [Double](repeating: 0, count: rows * cols)
  var serialFields: [[Double]] = []
  for leg in legs {
    for _ in 0..<leg.steps {
      u = HeatModel.step(
        u, count: rows, cols: cols, firstRow: 0, above: [], below: [], alpha: alpha, source: source,
        strength: leg.strength)
    }
    serialFields.append(u)
  }
  let serialTime = now() - serialStart

  print("rows per engine: \(owned)")
  try check(
    "rows per engine are the block partition",
    owned == (0..<engines).map { HeatModel.slab(part: $0, of: engines, rows: rows).count }, "\(owned)")

  var strength = 1.0
  var step = 0
  var largestDifference = 0.0
  for (index, leg) in legs.enumerated() {
    let name = "leg \(index + 1)"
    step += leg.steps
    let field = fields[index]
    let serial = serialFields[index]
    let difference = zip(field, serial).map { abs($0 - $1) }.max() ?? 0
    largestDifference = max(largestDifference, difference)
    let expected = serialStats(serial, step: step, rows: rows, cols: cols)
    let reported = stats[index][0]
    print("\(name): \(leg.steps) steps at source \(leg.strength): \(reported)")
    print("\(name): max |parallel - serial| = \(difference)\(field == serial ? " (equal bit for bit)" : "")")
    try check(
      "\(name): heat.source returned the previous strength \(strength)",
      previousStrengths[index] == Array(repeating: strength, count: engines), "\(previousStrengths[index])")
    try check(
      "\(name): heat.advance returned step \(step) on every engine",
      stepCounts[index] == Array(repeating: step, count: engines), "\(stepCounts[index])")
    try check(
      "\(name): field equals serial", field.count == serial.count && difference <= 1e-12,
      "\(field.count) values (expected \(serial.count)), max difference \(difference)")
    try check(
      "\(name): every engine reports the same stats", stats[index].allSatisfy { $0 == reported },
      "\(stats[index])")
    try check(
      "\(name): stats equal serial",
      reported.step == expected.step && reported.rows == rows && reported.cols == cols
        && abs(reported.min - expected.min) <= 1e-12 && abs(reported.max - expected.max) <= 1e-12
        && abs(reported.mean - expected.mean) <= 1e-12 * max(1, abs(expected.mean)),
      "\(reported) != \(expected)")
    strength = leg.strength
  }
  try check("gather('heat.u') is the field", namespaceField == fields.last, "\(namespaceField.count) values")

  let final = serialFields.last ?? u
  let header = HeatModel.pgmHeader(rows: rows, cols: cols)
  let pgm = pgmParts.joined()
  let serialPGM =
    header + HeatModel.pgmBody(final, cols: cols, low: final.min() ?? 0, high: final.max() ?? 0)
  try check("engine 0's PGM part starts with the header", pgmParts.first?.hasPrefix(header) == true)
  try check(
    "the PGM equals serial", pgm == serialPGM, "\(pgm.utf8.count) bytes, expected \(serialPGM.utf8.count)")
  if let path = options.pgm {
    try pgm.write(toFile: path, atomically: true, encoding: .utf8)
    print("wrote \(path): PGM \(cols) x \(rows), \(pgm.utf8.count) bytes")
  }

  print(
    String(
      format: "parallel run (with the look after each leg): %.3f s  serial: %.3f s", parallelTime, serialTime)
  )
  print(
    "heat: OK \(rows) x \(cols) grid, \(onEngines), "
      + (largestDifference == 0
        ? "field equal to serial bit for bit" : "max |parallel - serial| \(largestDifference)"))
}
