// `mpirun -np N mpiparallel engines`: the runtime itself, started on every
// rank, lists its engines. The only part of the tool that runs under MPI, so
// the only steering-free file that needs the MPIParallel runtime.
import Foundation
import MPIParallel

enum EnginesUnderMPI {
  /// Whether this process is a rank of an MPI job (Open MPI sets
  /// `OMPI_COMM_WORLD_SIZE` in every rank it starts; MPICH's Hydra `PMI_SIZE`).
  static var isUnderMPI: Bool {
    let environment = ProcessInfo.processInfo.environment
    return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMI_SIZE"] != nil
  }

  /// Under MPI with `engines` as the command: starts the runtime, lists the
  /// engines and exits (every rank). Otherwise returns.
  static func runIfUnderMPI() {
    // The runtime's flags (`--hwm 2`, `--log-level debug`) are the runtime's, not the command's.
    guard isUnderMPI, Cluster.arguments.dropFirst().first == "engines" else { return }
    Cluster.run(functions: []) { client in
      print("id  rank  host                  pid")
      for engine in client.engines {
        let host = engine.host.padding(toLength: 20, withPad: " ", startingAt: 0)
        print(String(format: "%-3d %-5d %@  %d", engine.id, engine.rank, host, engine.pid))
      }
    }
  }
}
