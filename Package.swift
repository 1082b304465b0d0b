// swift-tools-version: 6.0
import PackageDescription

let examples = ["primes", "pi", "sleep-tasks", "nested-loops", "scatter-gather", "tour", "heat"]
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

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
    .target(name: "MPI", dependencies: ["CMPI"], swiftSettings: v5),
    .target(
      name: "MPIParallelSteering",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: v5),
    .target(
      name: "MPIParallel",
      dependencies: [
        "MPI", "MPIParallelSteering", .product(name: "Logging", package: "swift-log"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ],
      swiftSettings: v5),
    .executableTarget(
      name: "mpiparallel",
      dependencies: [
        "MPIParallel", "MPIParallelSteering",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: v5),
    .executableTarget(name: "mpiparallel-bench", dependencies: ["MPIParallel", "MPI"], swiftSettings: v5),
    .executableTarget(
      name: "mpp-testapp", dependencies: ["MPIParallel", "MPI"], path: "Tests/TestApp", swiftSettings: v5),
    .executableTarget(
      name: "mpp-configapp", dependencies: ["MPIParallel", "MPIParallelSteering"], path: "Tests/ConfigApp",
      swiftSettings: v5),
    .executableTarget(
      name: "mpi-selftest", dependencies: ["MPI"], path: "Tests/MPISelfTest", swiftSettings: v5),
    .testTarget(
      name: "MPIParallelTests", dependencies: ["MPIParallel", "MPIParallelSteering", "mpiparallel-bench"],
      swiftSettings: v5),
    .target(name: "SteeringTestSupport", path: "Tests/SteeringTestSupport", swiftSettings: v5),
    .testTarget(
      name: "SteeringTests", dependencies: ["MPIParallelSteering", "SteeringTestSupport"], swiftSettings: v5),
    .testTarget(
      name: "IntegrationTests", dependencies: ["MPIParallelSteering", "SteeringTestSupport"],
      swiftSettings: v5),
  ]
    + examples.map {
      .executableTarget(name: $0, dependencies: ["MPIParallel"], path: "Examples/\($0)", swiftSettings: v5)
    }
)
