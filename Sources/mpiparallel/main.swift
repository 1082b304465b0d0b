// mpiparallel: the project's command-line tool.
//
// Run under MPI, `mpirun -np 5 mpiparallel engines` starts the runtime and
// lists the engines, a quick check that a machine or an allocation works.
// Otherwise it is a swift-argument-parser tool (`MPIParallelTool`): it starts,
// steers and stops jobs served over TCP (`start`, `engines`, `apply`, `map`,
// ...) and reads journals (`timeline`, `history`).
import Foundation

EnginesUnderMPI.runIfUnderMPI()
exit(await MPIParallelTool.main(arguments: Array(CommandLine.arguments.dropFirst())))
