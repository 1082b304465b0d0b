import Foundation
internal import MPIParallelSteering

/// A served job's steering endpoint on rank 0: the TCP server, the service
/// behind it, and the connection file that tells clients where and how to
/// connect (written with mode 0600 on start, removed on a clean stop).
final class SteeringEndpoint: Sendable {
  let server: SteeringServer
  let service: SteeringService
  /// The connection file's path.
  let connectionFile: String
  let port: Int

  init(client: Client, registry: FunctionRegistry, configuration: Configuration) throws {
    let profile = try ProfileDirectory(name: configuration.profile ?? "default")
    service = SteeringService(
      client: client, registry: registry, profile: profile.name,
      keptBytes: configuration.steeringLimits.keptResultBytes)
    let key = MessageSigner.makeKey()
    server = try SteeringServer(
      settings: SteeringServer.Settings(
        host: configuration.serveIP, port: configuration.servePort, frameLimit: configuration.frameLimit,
        stallTimeout: configuration.stallTimeout, handshakeTimeout: configuration.steeringLimits.handshakeTimeout,
        idleTimeout: configuration.steeringLimits.idleTimeout,
        pendingLimit: configuration.steeringLimits.maxUnsigned,
        pendingPerAddressLimit: configuration.steeringLimits.maxUnsignedPerAddress),
      key: key, backend: service, log: RuntimeLog.steering)
    port = try server.start()
    // A listener on every interface is named by an address clients on other hosts reach too.
    let reachable = ReachableAddress.forListener(on: configuration.serveIP)
    connectionFile = profile.connectionFile
    do {
      try ConnectionFile(
        ip: reachable, port: port, key: key, profile: profile.name, pid: Int(getpid()),
        engines: client.engineCount, host: MPI.processorName
      ).write(to: connectionFile)
    } catch {
      server.stop()
      throw error
    }
    Termination.removeOnSignal(connectionFile)
    RuntimeLog.steering.info(
      "steering: serving profile \(profile.name) on \(reachable):\(port); connection file \(connectionFile)")
  }

  /// Stops listening and removes the connection file (if it is still this job's).
  func stop() {
    server.stop()
    if let file = try? ConnectionFile.read(from: connectionFile), file.pid == Int(getpid()), file.port == port
    {
      unlink(connectionFile)
    }
    Termination.removeOnSignal(nil)
  }
}
