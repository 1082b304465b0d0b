/// How a run of the program ended (`Journal.endRun(_:how:)`). A run with no
/// end recorded crashed, or is still going.
public enum RunEnd: String, Sendable {
  /// The program finished and closed its journal.
  case clean
  /// The program was told to stop (SIGTERM from a batch system, for instance).
  case terminated
}
