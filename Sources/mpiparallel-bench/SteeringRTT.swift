import Foundation
import MPIParallelSteering

/// `mpiparallel-bench steering-rtt CONNECTION_FILE FUNCTION COUNT`: the Swift
/// steering client's round trip of a small call (`FUNCTION(3)` on engine 0 of
/// a served job, an Int in and out), median of COUNT after 20 to warm up;
/// prints `RESULT {"steering_apply_rtt_us_swift": ...}`. Scripts/bench-steering runs it.
enum SteeringRTT {
  static func run(_ arguments: [String]) -> Int32 {
    guard arguments.count == 4, let count = Int(arguments[3]), count >= 1 else {
      FileHandle.standardError.write(
        Data("usage: mpiparallel-bench steering-rtt CONNECTION_FILE FUNCTION COUNT\n".utf8))
      return 2
    }
    do {
      let client = try Client(connectionFile: arguments[1])
      defer { client.close() }
      let view = client[0]
      var times: [Double] = []
      for round in 0..<(count + 20) {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try view.apply(arguments[2], 3, as: Int.self).get()
        if round >= 20 { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3) }
      }
      times.sort()
      print("RESULT {\"steering_apply_rtt_us_swift\": \(times[times.count / 2])}")
      return 0
    } catch {
      FileHandle.standardError.write(Data("mpiparallel-bench steering-rtt: \(error)\n".utf8))
      return 1
    }
  }
}
