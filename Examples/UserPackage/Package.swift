// swift-tools-version: 6.0
// A user's own package that depends on MPIParallel: the smallest setup that
// builds and runs under mpirun. Build and run it from this directory:
//   swift build && mpirun -np 4 .build/debug/UserApp
import PackageDescription

let package = Package(
  name: "UserPackage",
  dependencies: [
    // From your package: .package(url: "<MPIParallel's repository URL>", branch: "main"),
    // or a local checkout, as here:
    .package(name: "MPIParallel", path: "../..")
  ],
  targets: [
    .executableTarget(
      name: "UserApp",
      dependencies: [.product(name: "MPIParallel", package: "MPIParallel")]
    )
  ]
)
