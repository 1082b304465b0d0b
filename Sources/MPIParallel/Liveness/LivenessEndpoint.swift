/// Where engines find the hub's liveness port, and the secret that proves a
/// connection comes from an engine of this job: the hub broadcasts it to the
/// engines over MPI.
///
/// Encoded with ``WireWriter``: a version byte (1), the port (`UInt16`), the
/// token (`UInt64`), the number of addresses (`UInt32`), then each address
/// as a wire string.
struct LivenessEndpoint: Equatable, Sendable {
  /// IPv4 addresses of the hub's host in dotted form, tried in order:
  /// interfaces first, loopback last (it only reaches the hub from its own
  /// host).
  var addresses: [String]
  var port: UInt16
  /// The random secret each engine's hello must carry.
  var token: UInt64

  private static let version: UInt8 = 1

  init(addresses: [String], port: UInt16, token: UInt64) {
    self.addresses = addresses
    self.port = port
    self.token = token
  }

  /// The endpoint's bytes, for a broadcast.
  func encoded() -> [UInt8] {
    var writer = WireWriter(reservingCapacity: 16 + addresses.reduce(0) { $0 + 4 + $1.utf8.count })
    writer.write(Self.version)
    writer.write(port)
    writer.write(token)
    writer.write(UInt32(truncatingIfNeeded: addresses.count))
    for address in addresses { writer.write(address) }
    return writer.bytes
  }

  /// Decodes what ``encoded()`` wrote; throws ``WireError`` on bytes it did not write.
  init(decoding bytes: [UInt8]) throws {
    var reader = WireReader(bytes)
    let version = try reader.read(UInt8.self)
    guard version == Self.version else {
      throw WireError.invalidValue(
        "liveness endpoint version \(version), expected \(Self.version)", offset: 0)
    }
    port = try reader.read(UInt16.self)
    token = try reader.read(UInt64.self)
    let count = try reader.read(UInt32.self)
    // Each address takes at least its 4-byte length: a corrupt count fails
    // here rather than after a long loop.
    try reader.require(Int(count) * 4)
    addresses = []
    for _ in 0..<count { addresses.append(try reader.readString()) }
    guard reader.isAtEnd else {
      throw WireError.trailingBytes(count: reader.remaining, type: "LivenessEndpoint")
    }
  }
}
