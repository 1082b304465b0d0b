/// The journal's errors; each names the file and says what is wrong.
public enum JournalError: Error, CustomStringConvertible, Equatable {
  /// The file is not a journal: a foreign SQLite database (other tables, or
  /// another `application_id`), or not SQLite at all (corrupt, random bytes).
  /// The journal refuses it and leaves the file untouched.
  case notAJournal(path: String, reason: String)
  /// The file is a journal written by a newer version of MPIParallel, in a
  /// format this version cannot read.
  case newerFormat(path: String, version: Int)
  /// The journal's records are not all there: its write-ahead log
  /// (`FILE-wal`), which held records of a run that did not close, is
  /// missing or damaged. The journal refuses it rather than start again
  /// with part of its history, and leaves the files as they are.
  case incomplete(path: String, reason: String)
  /// Reading or writing the file failed.
  case io(path: String, reason: String)

  public var description: String {
    switch self {
    case .notAJournal(let path, let reason):
      return
        "\(path) is not an MPIParallel journal (\(reason)); refusing to use it, the file is left as it was"
    case .newerFormat(let path, let version):
      return
        "\(path) is a journal in format \(version), newer than this MPIParallel reads (format \(JournalSchema.version))"
    case .incomplete(let path, let reason):
      return "journal \(path) is missing records: \(reason); refusing to use it, the files are left as they were"
    case .io(let path, let reason):
      return "journal \(path): \(reason)"
    }
  }
}
