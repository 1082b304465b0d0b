// The names the ```swift blocks of README.md and of the DocC articles
// (Sources/MPIParallel/MPIParallel.docc) may use without declaring them: the driver's `client`,
// views of it, remote functions `f` and `g`, input arrays. DocSnippetTests
// (Tests/IntegrationTests) compiles this file with the blocks that are statements ("fragments"),
// each of which becomes the body of a function of its own, with `import MPIParallel` and
// `import Foundation`.
//
// This file belongs to no target: it is only type-checked with the blocks, never run. The values
// that would need a running cluster are computed properties that stop the program
// (`fatalError`); the remote functions are real, and never called.
//
// Blocks that are programs (`@main`), steering code (`import MPIParallelSteering`) or
// Package.swift excerpts are compiled without this prelude.
import Foundation
import MPIParallel

/// The client the driver closure of `Cluster.run` receives.
var client: Client { fatalError("documentation snippets are type-checked, not run") }

/// A direct view of every engine (`client[...]`).
var dv: DirectView { fatalError("documentation snippets are type-checked, not run") }

/// The same view, under the name the articles use.
var dview: DirectView { fatalError("documentation snippets are type-checked, not run") }

/// A load-balanced view of every engine (`client.loadBalancedView()`).
var lview: LoadBalancedView { fatalError("documentation snippets are type-checked, not run") }

/// The journal the run writes (`client.journal`, unwrapped).
var journal: Journal { fatalError("documentation snippets are type-checked, not run") }

/// A remote function of one integer.
let f = RemoteFunction("f") { (x: Int) -> Int in x * x }

/// A remote function of two integers.
let g = RemoteFunction("g") { (x: Int, y: Int) -> Int in x + y }

/// Input arrays.
var xs: [Int] { fatalError("documentation snippets are type-checked, not run") }
var ys: [Int] { fatalError("documentation snippets are type-checked, not run") }
