// A program with a data race on purpose, for the race detector's run to prove
// that it reports races: two threads add to one unsynchronized counter. Built
// with Thread Sanitizer it must be reported (Tests/IntegrationTests/
// SanitizerTests.swift checks that); built without, it prints a count that
// may be short of 200,000.
import Foundation

// Unsafe on purpose: both threads write it without a lock; this is the race to be found.
nonisolated(unsafe) var counter = 0

let other = Thread {
  for _ in 0..<100_000 { counter += 1 }
}
other.start()
for _ in 0..<100_000 { counter += 1 }
Thread.sleep(forTimeInterval: 0.2)
print("race-canary: \(counter)")
