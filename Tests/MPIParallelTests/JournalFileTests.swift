import Foundation
import MPIParallel
import XCTest

/// The journal refuses files that are not journals and leaves them as they
/// were; it accepts a missing, zero-length or empty-database file.
final class JournalFileTests: XCTestCase {
  var directory: URL!

  override func setUpWithError() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "journal-file-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(at: directory)
  }

  func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

  func write(_ bytes: [UInt8], to name: String) -> String {
    let path = path(name)
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
    return path
  }

  func bytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  /// Opening `path` must throw notAJournal naming it, and leave its bytes
  /// (and its directory) as they were.
  func assertRefused(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let before = try bytes(path)
    let listing = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    XCTAssertThrowsError(try Journal(path: path), file: file, line: line) { error in
      guard case JournalError.notAJournal(let named, let reason) = error else {
        return XCTFail("expected notAJournal, got \(error)", file: file, line: line)
      }
      XCTAssertEqual(named, path, file: file, line: line)
      XCTAssertFalse(reason.isEmpty, file: file, line: line)
      XCTAssertTrue("\(error)".contains(path), file: file, line: line)
    }
    XCTAssertEqual(try bytes(path), before, "the refused file changed", file: file, line: line)
    XCTAssertEqual(
      try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), listing,
      "refusing left files behind", file: file, line: line)
  }

  func testForeignSQLiteDatabaseIsRefused() throws {
    // `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)` with one row; no application_id.
    let path = write(try XCTUnwrap(Self.decode(Self.notesDatabase)), to: "notes.sqlite")
    try assertRefused(path)
    XCTAssertThrowsError(try Journal(path: path)) { error in
      XCTAssertTrue("\(error)".contains("notes"), "\(error) should name the foreign table")
    }
  }

  func testOtherApplicationIDIsRefused() throws {
    // No tables, `PRAGMA application_id = 1234`.
    let path = write(try XCTUnwrap(Self.decode(Self.otherApplicationDatabase)), to: "other.sqlite")
    try assertRefused(path)
  }

  func testRandomBytesAreRefused() throws {
    var generator = SystemRandomNumberGenerator()
    let random = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
    try assertRefused(write(random, to: "random.bin"))
    try assertRefused(write(Array("hello, world\n".utf8), to: "short.txt"))
  }

  func testCorruptSQLiteIsRefused() throws {
    // A real header followed by garbage pages.
    var corrupt = Array(try XCTUnwrap(Self.decode(Self.notesDatabase)).prefix(100))
    corrupt += (0..<924).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    try assertRefused(write(corrupt, to: "corrupt.sqlite"))
  }

  func testZeroLengthFileBecomesAJournal() throws {
    let path = write([], to: "empty.sqlite")
    let journal = try Journal(path: path)
    XCTAssertEqual(try journal.beginRun(), 1)
    journal.append(
      JournalRecord(
        run: 1, taskID: 1, function: "f", key: TaskKey.of([1]), engineID: 1, state: .succeeded,
        submitted: Date(),
        started: nil, completed: nil, error: nil, result: [42]))
    try journal.close()
    let header = try bytes(path)
    XCTAssertEqual(Array(header.prefix(15)), Array("SQLite format 3".utf8))
    XCTAssertEqual(Array(header[68..<72]), Array("MPPJ".utf8))  // application_id
    XCTAssertEqual(Array(header[60..<64]), [0, 0, 0, 3])  // user_version
    let again = try Journal(path: path)
    defer { try? again.close() }
    XCTAssertEqual(try again.completedResults(), [JournalKey(function: "f", key: TaskKey.of([1])): [42]])
  }

  func testMissingFileIsCreated() throws {
    let path = path("new.sqlite")
    let journal = try Journal(path: path)
    try journal.close()
    XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    XCTAssertNoThrow(try Journal(path: path).close())
  }

  func testNewerFormatIsRefused() throws {
    let path = path("future.sqlite")
    try Journal(path: path).close()
    var header = try bytes(path)
    header[63] = 9  // user_version 9
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(header)))
    XCTAssertThrowsError(try Journal(path: path)) { error in
      XCTAssertEqual(error as? JournalError, .newerFormat(path: path, version: 9))
    }
    XCTAssertEqual(try bytes(path), header)
  }

  func testMissingDirectoryIsAnIOError() {
    let path = path("no/such/dir/journal.sqlite")
    XCTAssertThrowsError(try Journal(path: path)) { error in
      guard case JournalError.io(let named, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(named, path)
    }
  }

  static func decode(_ base64: String) -> [UInt8]? {
    Data(base64Encoded: base64.filter { !$0.isWhitespace }).map { [UInt8]($0) }
  }

  static let notesDatabase = """
    U1FMaXRlIGZvcm1hdCAzAAIAAQEAQCAgAAAAAgAAAAIAAAAAAAAAAAAAAAEAAAAEAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAC5jAQ0AAAABAbMAAbMAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAASwEGFxcXAXd0YWJsZW5vdGVzbm90ZXMCQ1JFQVRFIFRBQkxFIG5vdGVzKGlkIElOVEVHRVIgUFJJTUFSWSBLRVksIGJv
    ZHkgVEVYVCkNAAAAAQH2AAH2AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAACAEDABdoZWxsbw==
    """

  static let otherApplicationDatabase = """
    U1FMaXRlIGZvcm1hdCAzAAIAAQEAQCAgAAAAAgAAAAEAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAATS
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAC5jAQ0AAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
    AAAAAAAAAAA=
    """
}
