#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The system calls the liveness channel makes, each wrapped once: sockets
/// are non-blocking and close on exec (so a child an engine starts does not
/// keep its connection open after the engine dies), and sends never raise
/// SIGPIPE.
enum LivenessSocket {
  /// `errno`'s text.
  static func lastError() -> String { String(cString: strerror(errno)) }

  static func setNonBlocking(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFL)
    _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
  }

  static func setCloseOnExec(_ fd: Int32) {
    let flags = fcntl(fd, F_GETFD)
    _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
  }

  static func setNoDelay(_ fd: Int32) {
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
  }

  private static func newTCPSocket() throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw LivenessError.system(call: "socket", reason: lastError()) }
    setNonBlocking(fd)
    return fd
  }

  /// A non-blocking socket listening on every IPv4 interface at `port` (0:
  /// one the kernel picks); returns it and the port it got.
  static func listen(port: UInt16) throws -> (fd: Int32, port: UInt16) {
    let fd = try newTCPSocket()
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = INADDR_ANY
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, Glibc.listen(fd, 128) == 0 else {
      let reason = lastError()
      close(fd)
      throw LivenessError.system(call: "bind/listen on port \(port)", reason: reason)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else {
      let reason = lastError()
      close(fd)
      throw LivenessError.system(call: "getsockname", reason: reason)
    }
    return (fd, UInt16(bigEndian: address.sin_port))
  }

  /// Accepts one pending connection: a non-blocking, close-on-exec socket
  /// with TCP_NODELAY; nil when none is pending (or on an error, in
  /// `failed`: true when the error is not one that passes by itself).
  static func accept(_ listener: Int32, failed: inout Bool) -> Int32? {
    while true {
      let fd = Glibc.accept(listener, nil, nil)
      if fd >= 0 {
        setCloseOnExec(fd)
        setNonBlocking(fd)
        setNoDelay(fd)
        return fd
      }
      switch errno {
      case EINTR, ECONNABORTED: continue
      case EAGAIN, EWOULDBLOCK: return nil
      default:
        failed = true
        return nil
      }
    }
  }

  /// The dotted IPv4 addresses of the host's up interfaces, loopback ones
  /// last (127.0.0.1 is always there), without repeats.
  static func interfaceAddresses() -> [String] {
    var outward: [String] = []
    var loopback: [String] = []
    var list: UnsafeMutablePointer<ifaddrs>?
    if getifaddrs(&list) == 0 {
      var entry = list
      while let interface = entry {
        entry = interface.pointee.ifa_next
        let flags = interface.pointee.ifa_flags
        guard flags & UInt32(IFF_UP) != 0, let address = interface.pointee.ifa_addr,
          address.pointee.sa_family == sa_family_t(AF_INET)
        else { continue }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let converted = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
          var raw = inet.pointee.sin_addr
          return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil
        }
        guard converted else { continue }
        let dotted = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        if flags & UInt32(IFF_LOOPBACK) != 0 {
          if !loopback.contains(dotted) { loopback.append(dotted) }
        } else if !outward.contains(dotted) {
          outward.append(dotted)
        }
      }
      freeifaddrs(list)
    }
    if let index = loopback.firstIndex(of: "127.0.0.1") { loopback.remove(at: index) }
    return outward + loopback + ["127.0.0.1"]
  }

  /// A non-blocking socket with TCP_NODELAY connected to `address:port`
  /// within `timeout` seconds, or why not.
  static func connect(to address: String, port: UInt16, timeout: Double) -> Result<Int32, LivenessError> {
    var inet = sockaddr_in()
    inet.sin_family = sa_family_t(AF_INET)
    inet.sin_port = port.bigEndian
    guard inet_pton(AF_INET, address, &inet.sin_addr) == 1 else {
      return .failure(.unreachable(["\(address): not an IPv4 address"]))
    }
    let fd: Int32
    do { fd = try newTCPSocket() } catch let error as LivenessError { return .failure(error) } catch {
      return .failure(.unreachable(["\(address): \(error)"]))
    }
    let started = withUnsafePointer(to: &inet) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    if started != 0 {
      guard errno == EINPROGRESS || errno == EINTR else {
        let reason = lastError()
        close(fd)
        return .failure(.unreachable(["\(address):\(port): \(reason)"]))
      }
      var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      let ready = poll(&poller, 1, milliseconds(timeout))
      var error: Int32 = 0
      var size = socklen_t(MemoryLayout<Int32>.size)
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
      guard ready > 0, error == 0 else {
        close(fd)
        let reason = ready == 0 ? "no answer within \(timeout) s" : String(cString: strerror(error))
        return .failure(.unreachable(["\(address):\(port): \(reason)"]))
      }
    }
    setNoDelay(fd)
    return .success(fd)
  }

  /// Sends a whole frame without blocking or raising SIGPIPE; true when all
  /// 17 bytes went (the kernel takes them at once unless the peer stopped
  /// reading long ago).
  @discardableResult
  static func send(_ frame: LivenessFrame, on fd: Int32) -> Bool {
    var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return withUnsafeMutableBytes(of: &storage) { raw in
      LivenessFrame.store(frame.kind, frame.first, frame.second, into: raw.baseAddress!)
      while true {
        let sent = Glibc.send(fd, raw.baseAddress!, LivenessFrame.size, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        if sent < 0 && errno == EINTR { continue }
        return sent == LivenessFrame.size
      }
    }
  }

  /// What one non-blocking receive got.
  enum Received {
    /// This many bytes.
    case bytes(Int)
    /// Nothing waiting now.
    case nothing
    /// The peer closed the connection (or reset it: the text says why).
    case closed(String?)
  }

  /// One non-blocking receive into `buffer`.
  static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Received {
    while true {
      let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
      if count > 0 { return .bytes(count) }
      if count == 0 { return .closed(nil) }
      switch errno {
      case EINTR: continue
      case EAGAIN, EWOULDBLOCK: return .nothing
      default: return .closed(lastError())
      }
    }
  }

  /// The first frame `fd` receives before `deadline` (monotonic seconds),
  /// or why there is none: the peer closed, sent an unknown kind, or said
  /// nothing in time.
  static func receiveFrame(_ fd: Int32, before deadline: Double) -> Result<LivenessFrame, LivenessError> {
    var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    return withUnsafeMutableBytes(of: &storage) { raw in
      var filled = 0
      while filled < LivenessFrame.size {
        let left = deadline - MonotonicClock.now()
        guard left > 0 else { return .failure(.unreachable(["no answer to the hello in time"])) }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds(left)) >= 0 || errno == EINTR else {
          return .failure(.system(call: "poll", reason: lastError()))
        }
        let rest = UnsafeMutableRawBufferPointer(rebasing: raw[filled..<LivenessFrame.size])
        switch receive(fd, into: rest) {
        case .bytes(let count): filled += count
        case .nothing: continue
        case .closed(let reason): return .failure(.unreachable([reason ?? "closed after the hello"]))
        }
      }
      guard let frame = LivenessFrame(UnsafeRawBufferPointer(rebasing: raw[0..<LivenessFrame.size])) else {
        return .failure(.unreachable(["answered the hello with an unknown frame"]))
      }
      return .success(frame)
    }
  }

  /// A pipe whose read end wakes a thread blocked in `poll` (both ends
  /// non-blocking and close on exec).
  static func wakePipe() throws -> (read: Int32, write: Int32) {
    var ends: (Int32, Int32) = (-1, -1)
    let made = withUnsafeMutableBytes(of: &ends) { pipe($0.baseAddress!.assumingMemoryBound(to: Int32.self)) }
    guard made == 0 else { throw LivenessError.system(call: "pipe", reason: lastError()) }
    for end in [ends.0, ends.1] {
      setNonBlocking(end)
      setCloseOnExec(end)
    }
    return (ends.0, ends.1)
  }

  /// Wakes the thread polling the pipe's read end.
  static func wake(_ writeEnd: Int32) {
    var byte: UInt8 = 1
    _ = write(writeEnd, &byte, 1)
  }

  /// Empties the pipe's read end.
  static func drain(_ readEnd: Int32) {
    var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    withUnsafeMutableBytes(of: &buffer) { raw in
      while read(readEnd, raw.baseAddress, raw.count) > 0 {}
    }
  }

  /// `seconds` as a poll(2) timeout: rounded up, at least 1 ms, at most a minute.
  static func milliseconds(_ seconds: Double) -> Int32 {
    guard seconds.isFinite, seconds > 0 else { return seconds > 0 ? 60_000 : 0 }
    return Int32(min(60_000, max(1, (seconds * 1000).rounded(.up))))
  }
}
