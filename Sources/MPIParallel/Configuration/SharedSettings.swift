import Foundation
import Logging

/// What rank 0 hands every rank at start-up: its resolved configuration and
/// whether Open MPI's internal locks stay on. mpirun gives its own
/// environment to the ranks on its host only (ranks elsewhere get the
/// environment their host's launcher gives them), so settings read from
/// `MPIPARALLEL_*` variables can differ between hosts; every rank runs with
/// rank 0's instead of its own.
struct SharedSettings: Equatable, Sendable {
  /// Rank 0's configuration: code, then its environment, then its command line.
  var configuration: Configuration
  /// Whether Open MPI keeps its internal locks (`MPIPARALLEL_OPENMPI_LOCKS=keep` on rank 0).
  var keepsOpenMPILocks: Bool

  /// Whether `environment` asks Open MPI to keep its internal locks.
  static func keepsOpenMPILocks(in environment: [String: String]) -> Bool {
    environment["MPIPARALLEL_OPENMPI_LOCKS"] == "keep"
  }

  /// The settings as bytes (JSON), to send to the other ranks.
  func encoded() throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return Array(try encoder.encode(Wire(self)))
  }

  /// The settings `encoded()` wrote.
  init(decoding bytes: [UInt8]) throws {
    self = try JSONDecoder().decode(Wire.self, from: Data(bytes)).settings()
  }

  init(configuration: Configuration, keepsOpenMPILocks: Bool) {
    self.configuration = configuration
    self.keepsOpenMPILocks = keepsOpenMPILocks
  }

  /// Every field of `Configuration`, in types JSON carries exactly (a Double
  /// is written in its shortest form that reads back the same value).
  private struct Wire: Codable {
    var scheme: String
    var highWaterMark: Int
    var automaticHighWaterMark: Bool?
    var backoff: [Double]
    var journal: String?
    var profile: String?
    var logLevel: String
    var serve: Bool
    var servePort: Int
    var serveIP: String
    var frameLimit: Int
    var stallTimeout: Double
    /// handshake and idle timeouts, then the unsigned-connection limits, overall and per address.
    var steeringTimeouts: [Double]
    var steeringCounts: [Int]
    var keptResultBytes: Int
    var engineTimeout: Double
    var replaceLostEngines: Bool
    var capabilities: [Int: [String]]
    var keepsOpenMPILocks: Bool

    init(_ settings: SharedSettings) {
      let c = settings.configuration
      scheme = c.scheme.rawValue
      highWaterMark = c.highWaterMark
      automaticHighWaterMark = c.automaticHighWaterMark
      backoff = [c.backoff.spinFor, c.backoff.yieldFor, c.backoff.minSleep, c.backoff.maxSleep]
      journal = c.journal
      profile = c.profile
      logLevel = c.logLevel.rawValue
      serve = c.serve
      servePort = c.servePort
      serveIP = c.serveIP
      frameLimit = c.frameLimit
      stallTimeout = c.stallTimeout
      steeringTimeouts = [c.steeringLimits.handshakeTimeout, c.steeringLimits.idleTimeout]
      steeringCounts = [c.steeringLimits.maxUnsigned, c.steeringLimits.maxUnsignedPerAddress]
      keptResultBytes = c.steeringLimits.keptResultBytes
      engineTimeout = c.engineTimeout
      replaceLostEngines = c.replaceLostEngines
      capabilities = c.capabilities.mapValues { $0.sorted() }
      keepsOpenMPILocks = settings.keepsOpenMPILocks
    }

    func settings() throws -> SharedSettings {
      guard let scheme = Configuration.Scheme(rawValue: scheme), let level = Logger.Level(rawValue: logLevel),
        backoff.count == 4, steeringTimeouts.count == 2, steeringCounts.count == 2
      else {
        throw DecodingError.dataCorrupted(
          .init(
            codingPath: [],
            debugDescription:
              "scheme '\(scheme)', log level '\(logLevel)', back-off \(backoff) or steering limits \(steeringTimeouts) \(steeringCounts)"
          ))
      }
      var c = Configuration(
        scheme: scheme, highWaterMark: highWaterMark,
        backoff: .init(spinFor: backoff[0], yieldFor: backoff[1], minSleep: backoff[2], maxSleep: backoff[3]),
        journal: journal, profile: profile, logLevel: level, serve: serve, servePort: servePort)
      c.automaticHighWaterMark = automaticHighWaterMark
      c.serveIP = serveIP
      c.frameLimit = frameLimit
      c.stallTimeout = stallTimeout
      c.steeringLimits.handshakeTimeout = steeringTimeouts[0]
      c.steeringLimits.idleTimeout = steeringTimeouts[1]
      c.steeringLimits.maxUnsigned = steeringCounts[0]
      c.steeringLimits.maxUnsignedPerAddress = steeringCounts[1]
      c.steeringLimits.keptResultBytes = keptResultBytes
      c.engineTimeout = engineTimeout
      c.replaceLostEngines = replaceLostEngines
      c.capabilities = capabilities.mapValues(Set.init)
      return SharedSettings(configuration: c, keepsOpenMPILocks: keepsOpenMPILocks)
    }
  }
}
