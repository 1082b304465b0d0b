// A program with a data race on purpose, for the race detector's run to prove
// that it reports races: two threads add to one unsynchronized counter. Built
// with Thread Sanitizer it must be reported (Tests/IntegrationTests/
// SanitizerTests.swift checks that); built without, it prints a count that
// may be short of 2,000,000.
import Foundation

// Unsafe on purpose: both threads write it without a lock; this is the race to be found.
nonisolated(unsafe) var counter = 0

// Two threads, each started before either has gone far, add a million
// each; the semaphore only orders their end before the print.
let done = DispatchSemaphore(value: 0)
for _ in 0..<2 {
  Thread {
    for _ in 0..<1_000_000 { counter += 1 }
    done.signal()
  }.start()
}
done.wait()
done.wait()
print("race-canary: \(counter)")
