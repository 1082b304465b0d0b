// swift-tools-version: 6.0
import PackageDescription

let examples = ["primes", "pi", "sleep-tasks", "nested-loops", "scatter-gather", "tour", "heat"]

let package = Package(
  name: "MPIParallel",
  products: [
    .library(name: "MPIParallel", targets: ["MPIParallel"]),
    .library(name: "MPIParallelSteering", targets: ["MPIParallelSteering"]),
    .executable(name: "mpiparallel", targets: ["mpiparallel"]),
  ] + examples.map { .executable(name: $0, targets: [$0]) },
  dependencies: [
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CMPI",
      pkgConfig: "ompi-c",
      providers: [.apt(["libopenmpi-dev"])]
    ),
    .target(name: "MPI", dependencies: ["CMPI"]),
    .target(
      name: "MPIParallelSteering",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
      ]),
    .target(
      name: "MPIParallel",
      dependencies: [
        "MPI", "MPIParallelSteering", .product(name: "Logging", package: "swift-log"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ]),
    .executableTarget(
      name: "mpiparallel",
      dependencies: [
        "MPIParallel", "MPIParallelSteering",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "mpiparallel-bench", dependencies: ["MPIParallel", "MPI", "MPIParallelSteering"]),
    .executableTarget(
      name: "mpp-testapp", dependencies: ["MPIParallel", "MPI"], path: "Tests/TestApp"),
    .executableTarget(
      name: "mpp-configapp", dependencies: ["MPIParallel", "MPIParallelSteering"], path: "Tests/ConfigApp"),
    .executableTarget(
      name: "mpi-selftest", dependencies: ["MPI"], path: "Tests/MPISelfTest"),
    .executableTarget(name: "race-canary", path: "Tests/RaceCanary"),
    .testTarget(
      name: "MPIParallelTests", dependencies: ["MPIParallel", "MPIParallelSteering", "mpiparallel-bench"]),
    .target(name: "SteeringTestSupport", path: "Tests/SteeringTestSupport"),
    .testTarget(
      name: "SteeringTests", dependencies: ["MPIParallelSteering", "SteeringTestSupport"]),
    .testTarget(
      name: "IntegrationTests", dependencies: ["MPIParallelSteering", "SteeringTestSupport"]),
  ]
    + examples.map {
      .executableTarget(name: $0, dependencies: ["MPIParallel"], path: "Examples/\($0)")
    }
)
