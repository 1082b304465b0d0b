// Which process a pid named when `start` recorded it: the kernel reuses pids,
// so a pid alone read back later from cluster.json may name an unrelated
// process. A process is the same one only while its pid, its start time
// (field 22 of /proc/PID/stat, clock ticks after boot) and the boot agree.
import Foundation

struct ProcessIdentity: Codable, Equatable {
  var pid: Int
  /// Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot.
  var startTime: UInt64
  /// /proc/sys/kernel/random/boot_id when it was recorded (start times restart at each boot).
  var boot: String?

  /// What a recorded pid is now.
  enum Status: Equatable {
    /// The recorded process, still running.
    case running
    /// No process has that pid (or only a zombie).
    case gone
    /// Another process has the pid now; why it is not the recorded one.
    case replaced(String)
  }

  /// The identity of the live process `pid`; nil when it is gone or /proc cannot tell.
  static func of(_ pid: Int) -> ProcessIdentity? {
    guard ProcessTools.isAlive(pid), let start = startTime(of: pid) else { return nil }
    return ProcessIdentity(pid: pid, startTime: start, boot: currentBoot())
  }

  /// What the recorded process is now.
  var status: Status {
    guard ProcessTools.isAlive(pid) else { return .gone }
    if let boot, let now = Self.currentBoot(), boot != now {
      return .replaced("it was recorded before the machine restarted")
    }
    guard let start = Self.startTime(of: pid) else {
      return .replaced("its start time cannot be read from /proc/\(pid)/stat")
    }
    guard start == startTime else {
      return .replaced("it started at tick \(start) after boot, the recorded process at tick \(startTime)")
    }
    return .running
  }

  /// Field 22 of /proc/PID/stat. The fields are read after the last ')' so
  /// that a command name with spaces or parentheses cannot shift them: the
  /// field after it is the 3rd (the state), so the start time is the 20th there.
  static func startTime(of pid: Int) -> UInt64? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let paren = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: paren)...].split(separator: " ")
    guard fields.count > 19 else { return nil }
    return UInt64(fields[19])
  }

  /// The command line of `pid` (/proc/PID/cmdline), nil when it cannot be read.
  static func commandLine(of pid: Int) -> [String]? {
    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else {
      return nil
    }
    return data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map {
      String(decoding: $0, as: UTF8.self)
    }
  }

  /// This boot's id, nil where the kernel does not give one.
  static func currentBoot() -> String? {
    (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }
}
