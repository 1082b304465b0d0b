import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// What a steering client needs to reach a served job: the hub's address and
/// port and the key its messages are signed with. The hub writes it with mode
/// 0600 when it starts serving and removes it when it stops cleanly.
public struct ConnectionFile: Codable, Sendable, Equatable {
  public var transport: String
  public var ip: String
  public var port: Int
  /// The HMAC-SHA256 key, hex.
  public var key: String
  public var signatureScheme: String
  public var profile: String
  /// The hub's process id, on its host (`host`): a pid names a process on its own host only.
  public var pid: Int
  public var engines: Int
  /// The hub's host name; absent from files of older versions (written on the reader's host).
  public var host: String?

  public init(
    ip: String, port: Int, key: String, profile: String, pid: Int, engines: Int, host: String? = nil
  ) {
    transport = "tcp"
    self.host = host
    self.ip = ip
    self.port = port
    self.key = key
    signatureScheme = "hmac-sha256"
    self.profile = profile
    self.pid = pid
    self.engines = engines
  }

  /// Reads and checks a connection file.
  public static func read(from path: String) throws -> ConnectionFile {
    guard FileManager.default.fileExists(atPath: path) else {
      throw SteeringError.noConnectionFile(path: path)
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw SteeringError.badConnectionFile(path: path, reason: "\(error.localizedDescription)")
    }
    let file: ConnectionFile
    do {
      file = try JSONDecoder().decode(ConnectionFile.self, from: data)
    } catch {
      throw SteeringError.badConnectionFile(path: path, reason: JSONValue.reason(error))
    }
    guard file.transport == "tcp", file.signatureScheme == "hmac-sha256" else {
      throw SteeringError.badConnectionFile(
        path: path,
        reason: "transport \(file.transport) with \(file.signatureScheme) is not tcp with hmac-sha256")
    }
    guard (1...65535).contains(file.port) else {
      throw SteeringError.badConnectionFile(path: path, reason: "port \(file.port) is not a TCP port")
    }
    do {
      _ = try MessageSigner(hexKey: file.key)
    } catch {
      throw SteeringError.badConnectionFile(path: path, reason: "the key is not hex of at least 16 bytes")
    }
    return file
  }

  /// Writes the file with mode 0600 (created so, never readable by others in
  /// between), replacing an older one atomically.
  public func write(to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    try ProfileDirectory.create(directory)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    let data = try encoder.encode(self)
    let temporary = path + ".\(getpid()).tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
      throw SteeringError.badConnectionFile(
        path: path, reason: "cannot create it: \(String(cString: strerror(errno)))")
    }
    let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    fchmod(fd, 0o600)
    close(fd)
    guard written == data.count, rename(temporary, path) == 0 else {
      unlink(temporary)
      throw SteeringError.badConnectionFile(
        path: path, reason: "cannot write it: \(String(cString: strerror(errno)))")
    }
  }

  /// `host:port`
  public var address: String { ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}
