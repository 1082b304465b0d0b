/// An abort that named tasks waiting on engines: answered once each of
/// those engines has answered them, aborted (dropped unstarted) or not
/// (they had started by the time the engine read the notice).
final class PendingAbort {
  /// Where the driver waits for the ids aborted (nil: an abort of the hub's own, at shutdown).
  let reply: HubReply<[Int]>?
  /// The ids aborted so far: in the hub at once, then on engines.
  var aborted: [Int]
  /// The tasks on engines still to answer.
  var awaited: Set<Int>

  init(reply: HubReply<[Int]>?, aborted: [Int], awaited: Set<Int>) {
    self.reply = reply
    self.aborted = aborted
    self.awaited = awaited
  }
}
