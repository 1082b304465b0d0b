import Foundation
import XCTest

@testable import MPIParallelSteering

final class SteeringProtocolTests: XCTestCase {
  let key = MessageSigner.makeKey()

  func testSignerVerifiesItsOwnSignatureAndRefusesATamperedBodyOrAnotherKey() throws {
    let signer = try MessageSigner(hexKey: key)
    let body = Array("{\"a\":1}".utf8)
    let signature = signer.signature(of: body)
    XCTAssertEqual(signature.count, MessageSigner.signatureSize)
    XCTAssertTrue(signer.verify(signature, body: body))
    var tampered = body
    tampered[2] ^= 1
    XCTAssertFalse(signer.verify(signature, body: tampered))
    let other = try MessageSigner(hexKey: MessageSigner.makeKey())
    XCTAssertFalse(other.verify(signature, body: body))
    XCTAssertThrowsError(try MessageSigner(hexKey: "abc"))
    XCTAssertThrowsError(try MessageSigner(hexKey: "zz" + String(repeating: "00", count: 31)))
  }

  func testFrameLengthIsCheckedAgainstTheLimitBeforeAnythingElse() throws {
    XCTAssertEqual(try SteeringFrame.length(header: [0, 0, 1, 0], limit: 1024), 256)
    XCTAssertThrowsError(try SteeringFrame.length(header: [0, 0, 4, 1], limit: 1024)) { error in
      XCTAssertEqual(error as? SteeringError, .frameTooLarge(size: 1025, limit: 1024))
    }
    XCTAssertThrowsError(
      try SteeringFrame.length(header: [0xff, 0xff, 0xff, 0xff], limit: SteeringFrame.defaultLimit))
    XCTAssertThrowsError(try SteeringFrame.length(header: [0, 0, 0, 3], limit: 1024))
  }

  func testAFrameOpensOnlyWithItsKeyAndIntact() throws {
    let signer = try MessageSigner(hexKey: key)
    let request = SteeringRequest(
      command: .apply(function: "area", arguments: [.int(3), .int(7)], targets: [0, 2]))
    let frame = SteeringFrame.encode(body: Array(try SteeringCoding.encoder.encode(request)), signer: signer)
    let contents = Array(frame.dropFirst(SteeringFrame.headerSize))
    XCTAssertEqual(try SteeringFrame.length(header: frame.prefix(4), limit: 1 << 20), contents.count)
    XCTAssertEqual(try SteeringFrame.open(contents, as: SteeringRequest.self, signer: signer), request)
    var tampered = contents
    tampered[5] ^= 0x20  // a byte of the body, before the signature at the end
    XCTAssertThrowsError(try SteeringFrame.open(tampered, as: SteeringRequest.self, signer: signer)) {
      XCTAssertTrue("\($0)".contains("bad signature"), "\($0)")
    }
    let wrong = try MessageSigner(hexKey: MessageSigner.makeKey())
    XCTAssertThrowsError(try SteeringFrame.open(contents, as: SteeringRequest.self, signer: wrong))
    // Well signed but not a request.
    let junk = Array("[1,2,3]".utf8)
    let junkFrame = junk + signer.signature(of: junk)
    XCTAssertThrowsError(try SteeringFrame.open(junkFrame, as: SteeringRequest.self, signer: signer)) {
      XCTAssertTrue("\($0)".contains("malformed message"), "\($0)")
    }
  }

  func testReplayGuardAdmitsEachNonceOnceWithinItsWindow() throws {
    var guardian = ReplayGuard(window: 60)
    try guardian.admit(nonce: "a", time: 1000, now: 1000)
    try guardian.admit(nonce: "b", time: 1000, now: 1001)
    XCTAssertThrowsError(try guardian.admit(nonce: "a", time: 1000, now: 1002)) {
      XCTAssertTrue("\($0)".contains("replayed"), "\($0)")
    }
    XCTAssertThrowsError(try guardian.admit(nonce: "c", time: 900, now: 1002)) {
      XCTAssertTrue("\($0)".contains("from the hub's clock"), "\($0)")
    }
    XCTAssertThrowsError(try guardian.admit(nonce: "d", time: 2000, now: 1002))
    XCTAssertThrowsError(try guardian.admit(nonce: "", time: 1002, now: 1002))
    XCTAssertThrowsError(try guardian.admit(nonce: "e", time: .nan, now: 1002))
    // Old nonces are forgotten once outside the window (their requests are refused by time anyway).
    try guardian.admit(nonce: "f", time: 1200, now: 1200)
    XCTAssertEqual(guardian.remembered, 1)
  }

  func testJSONValuesParseDecodeAndSayWhatTheyExpected() throws {
    let value = try JSONValue(parsing: #"{"b":[1,2.5,"x",null,true],"a":-3}"#)
    XCTAssertEqual(
      value,
      .object(["a": .int(-3), "b": .array([.int(1), .double(2.5), .string("x"), .null, .bool(true)])]))
    XCTAssertEqual(value.description, #"{"a":-3,"b":[1,2.5,"x",null,true]}"#)
    XCTAssertEqual(try JSONValue(parsing: "[1,2,3]").decode(as: [Int].self), [1, 2, 3])
    XCTAssertEqual(try JSONValue(parsing: "[1,2.5]").decode(as: [Double].self), [1, 2.5])
    XCTAssertEqual(try JSONValue(encoding: [1.5, 2]).description, "[1.5,2]")
    XCTAssertThrowsError(try JSONValue(parsing: "hello")) {
      XCTAssertTrue("\($0)".hasPrefix("not JSON: hello"), "\($0)")
    }
    XCTAssertThrowsError(try JSONValue.string("x").decode(as: Int.self)) { error in
      guard case .wrongType(let expected, let got, _) = error as? SteeringError else {
        return XCTFail("\(error)")
      }
      XCTAssertEqual(expected, "Int")
      XCTAssertEqual(got, "\"x\"")
    }
  }

  func testConnectionFilesAreWrittenForTheOwnerOnlyAndCheckedOnReading() throws {
    let base = NSTemporaryDirectory() + "mpp-steering-\(getpid())-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: base) }
    let profile = try ProfileDirectory(name: "unit", base: base)
    XCTAssertEqual(profile.connectionFile, base + "/profile_unit/client.json")
    let file = ConnectionFile(ip: "127.0.0.1", port: 4567, key: key, profile: "unit", pid: 42, engines: 3)
    try file.write(to: profile.connectionFile)
    let attributes = try FileManager.default.attributesOfItem(atPath: profile.connectionFile)
    XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    let directory = try FileManager.default.attributesOfItem(atPath: profile.path)
    XCTAssertEqual((directory[.posixPermissions] as? NSNumber)?.intValue, 0o700)
    XCTAssertEqual(try ConnectionFile.read(from: profile.connectionFile), file)
    XCTAssertEqual(ProfileDirectory.all(base: base).map(\.name), ["unit"])

    XCTAssertThrowsError(try ConnectionFile.read(from: base + "/missing.json")) {
      XCTAssertEqual($0 as? SteeringError, .noConnectionFile(path: base + "/missing.json"))
    }
    try "{\"ip\": 1}".write(toFile: base + "/bad.json", atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try ConnectionFile.read(from: base + "/bad.json")) {
      XCTAssertTrue("\($0)".contains("cannot be used"), "\($0)")
    }
    var badKey = file
    badKey.key = "nothex"
    try badKey.write(to: base + "/badkey.json")
    XCTAssertThrowsError(try ConnectionFile.read(from: base + "/badkey.json")) {
      XCTAssertTrue("\($0)".contains("the key is not hex"), "\($0)")
    }
    XCTAssertThrowsError(try ProfileDirectory(name: "../etc"))
    XCTAssertThrowsError(try ProfileDirectory(name: ""))
    XCTAssertEqual(ProfileDirectory.base(environment: ["MPIPARALLEL_HOME": "/x"]), "/x")
    XCTAssertEqual(ProfileDirectory.base(environment: ["HOME": "/home/u"]), "/home/u/.mpiparallel")
  }

  func testCommandsAndAnswersSurviveTheirJSONCoding() throws {
    let commands: [SteeringCommand] = [
      .hello, .map(function: "f", items: [.array([.int(1)])], chunkSize: 3, ordered: false, targets: nil),
      .scatter(name: "a", values: [.double(1.5)], targets: [1]), .wait(job: 4, timeout: 1.5, items: true),
      .arrivals(job: 4, after: 2, timeout: 0.5),
      .abort(tasks: [1, 2]), .retire(engines: [1, 2]), .addEngines(count: 2), .stop,
    ]
    for command in commands {
      let data = try SteeringCoding.encoder.encode(command)
      XCTAssertEqual(try SteeringCoding.decoder().decode(SteeringCommand.self, from: data), command)
    }
    let answer = SteeringAnswer.job(
      JobStatus(
        job: 1, ready: true, done: 2, total: 2,
        items: [
          .value(.int(4)),
          .failure(RemoteFailure(engine: 1, task: 7, function: "f", type: "E", message: "m")),
        ],
        engines: [0, nil]))
    let data = try SteeringCoding.encoder.encode(answer)
    XCTAssertEqual(try SteeringCoding.decoder().decode(SteeringAnswer.self, from: data), answer)
    let arrivals = SteeringAnswer.arrivals(
      Arrivals(
        job: 4, tasksSeen: 3, total: 5, items: [.init(index: 7, engine: 2, outcome: .value(.double(0.5)))]))
    XCTAssertEqual(
      try SteeringCoding.decoder().decode(
        SteeringAnswer.self, from: try SteeringCoding.encoder.encode(arrivals)),
      arrivals)
  }

  func testRetireTravelsUnderItsNameWithTheEngineIDs() throws {
    let command = SteeringCommand.retire(engines: [2, 0])
    XCTAssertEqual(command.name, "retire")
    let object =
      try JSONSerialization.jsonObject(with: try SteeringCoding.encoder.encode(command)) as? [String: Any]
    XCTAssertEqual(object?.keys.sorted(), ["retire"], "\(String(describing: object))")
    XCTAssertEqual((object?["retire"] as? [String: Any])?["engines"] as? [Int], [2, 0])
    for answer in [SteeringAnswer.retiring([0, 2]), .retiring([])] {
      let data = try SteeringCoding.encoder.encode(answer)
      XCTAssertEqual(try SteeringCoding.decoder().decode(SteeringAnswer.self, from: data), answer)
    }
  }

  func testAMapCarriesItsTaskFlagsUnderIPythonsNamesAndOneWithoutThemStillDecodes() throws {
    // A map as clients sent it with no flags: absent keys are no flags.
    let plain = #"{"map":{"function":"f","items":[[1]],"chunkSize":1,"ordered":true}}"#
    guard
      case .map(let function, _, _, _, let targets, let plainFlags) = try SteeringCoding.decoder().decode(
        SteeringCommand.self, from: Data(plain.utf8))
    else { return XCTFail("not a map") }
    XCTAssertEqual(function, "f")
    XCTAssertNil(targets)
    XCTAssertNil(plainFlags)
    let unflagged = try SteeringCoding.encoder.encode(
      SteeringCommand.map(function: "f", items: [], chunkSize: 1, ordered: true, targets: nil))
    XCTAssertFalse(String(decoding: unflagged, as: UTF8.self).contains("flags"))

    // The Swift spelling (in-job names) travels under IPython's: the
    // scheduling timeout as `timeout`, the run-time limit as `runTimeout`.
    let flags = TaskFlags(
      after: Dependency([4, 3]), follow: Dependency([3], mode: .any, success: true, failure: true),
      timeout: .milliseconds(1500), dependencyTimeout: .seconds(5), retries: 2)
    let wire = try XCTUnwrap(flags.steering)
    XCTAssertEqual(wire.retries, 2)
    XCTAssertEqual(wire.timeout, 5)
    XCTAssertEqual(wire.runTimeout, 1.5)
    XCTAssertNil(TaskFlags().steering, "default flags travel as none")
    let command = SteeringCommand.map(
      function: "f", items: [.array([.int(1)])], chunkSize: 1, ordered: true, targets: nil, flags: wire)
    let data = try SteeringCoding.encoder.encode(command)
    XCTAssertEqual(try SteeringCoding.decoder().decode(SteeringCommand.self, from: data), command)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let sent = try XCTUnwrap(((object?["map"] as? [String: Any])?["flags"]) as? [String: Any])
    XCTAssertEqual(sent["retries"] as? Int, 2)
    XCTAssertEqual(sent["timeout"] as? Double, 5)
    XCTAssertEqual(sent["runTimeout"] as? Double, 1.5)
    let after = try XCTUnwrap(sent["after"] as? [String: Any])
    XCTAssertEqual(after["tasks"] as? [Int], [3, 4])
    XCTAssertEqual(after["all"] as? Bool, true)
    XCTAssertEqual((sent["follow"] as? [String: Any])?["all"] as? Bool, false)

    // A dependency with only its tasks takes IPython's defaults: all, success only.
    let partial =
      #"{"map":{"function":"f","items":[],"chunkSize":1,"ordered":true,"#
      + #""flags":{"after":{"tasks":[7,7,2]},"timeout":0.5}}}"#
    guard
      case .map(_, _, _, _, _, let decoded?) = try SteeringCoding.decoder().decode(
        SteeringCommand.self, from: Data(partial.utf8))
    else { return XCTFail("no flags decoded") }
    XCTAssertEqual(decoded, SteeringTaskFlags(after: Dependency([2, 7]), timeout: 0.5))
    XCTAssertEqual(decoded.after?.mode, .all)
    XCTAssertEqual(decoded.after?.success, true)
    XCTAssertEqual(decoded.after?.failure, false)

    // Per-call flags win over the view's, a default never clears one.
    let merged = TaskFlags(dependencyTimeout: .seconds(1), retries: 3).merged(
      with: TaskFlags(after: Dependency([1]), dependencyTimeout: .seconds(2)))
    XCTAssertEqual(merged, TaskFlags(after: Dependency([1]), dependencyTimeout: .seconds(2), retries: 3))
  }
}
