// mpiparallel: the project's command-line tool. Run under MPI it starts the
// runtime and lists the engines, a quick check that a machine or an
// allocation works: `mpirun -np 5 mpiparallel engines`.
import Foundation
import MPIParallel

let usage = """
  usage: mpirun -np N mpiparallel engines   list the engines of an N-rank job (N >= 2)
         mpiparallel timeline --journal FILE [--svg OUT.svg] [--trace OUT.json] [--run N]
                                            a journaled run's per-engine timeline
                                            (SVG Gantt chart, Chrome trace JSON for Perfetto)
         mpiparallel history --journal FILE [--run N|--all] [--state S] [--function F] [--task ID] [--json]
                                            the tasks a journal recorded; --purge-before DATE deletes old ones
         mpiparallel --help                 this text
  """

let arguments = Array(Cluster.arguments.dropFirst())
switch arguments.first {
case "engines":
  Cluster.run(functions: []) { client in
    print("id  rank  host                  pid")
    for engine in client.engines {
      let host = engine.host.padding(toLength: 20, withPad: " ", startingAt: 0)
      print(String(format: "%-3d %-5d %@  %d", engine.id, engine.rank, host, engine.pid))
    }
  }
case "timeline":
  // Raw arguments: the runtime's flag parsing would take `--journal FILE`.
  let raw = Array(CommandLine.arguments.dropFirst())
  let rest = raw.firstIndex(of: "timeline").map { Array(raw[($0 + 1)...]) } ?? []
  exit(TimelineCommand.main(rest))
case "history":
  let raw = Array(CommandLine.arguments.dropFirst())
  let rest = raw.firstIndex(of: "history").map { Array(raw[($0 + 1)...]) } ?? []
  exit(HistoryCommand.main(rest))
case "--help", "-h", "help":
  print(usage)
default:
  FileHandle.standardError.write(Data((usage + "\n").utf8))
  exit(2)
}
