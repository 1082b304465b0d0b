import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The address a served job writes into its connection file: where steering
/// clients connect. A listener on one address is named by that address; one
/// on every interface (`--ip 0.0.0.0`) by an address of this host that other
/// hosts reach too, not loopback, since the file is read on whatever host the
/// client runs (a shared home directory, or a copy).
enum ReachableAddress {
  /// The addresses that stand for every interface.
  static let wildcards: Set<String> = ["0.0.0.0", "::", "*", "[::]"]

  /// The address to write for a listener on `ip`, from this host's name and interfaces.
  static func forListener(on ip: String) -> String {
    guard wildcards.contains(ip) else { return ip }
    return choose(
      listeningOn: ip, hostNameAddresses: hostNameAddresses(), interfaceAddresses: interfaceAddresses())
  }

  /// `listeningOn` itself unless it is a wildcard; else the first address the
  /// host name resolves to that is neither loopback nor link-local (the name
  /// the site gave the host), else the first such address of an interface
  /// that is up, else 127.0.0.1 (a host with no network: only local clients).
  static func choose(listeningOn ip: String, hostNameAddresses: [String], interfaceAddresses: [String])
    -> String
  {
    guard wildcards.contains(ip) else { return ip }
    return hostNameAddresses.first(where: isRoutable) ?? interfaceAddresses.first(where: isRoutable)
      ?? "127.0.0.1"
  }

  /// Whether another host can reach `address`: not loopback (127/8, ::1),
  /// not link-local (169.254/16, fe80::/10), not unspecified.
  static func isRoutable(_ address: String) -> Bool {
    let lower = address.lowercased()
    if lower.hasPrefix("127.") || lower.hasPrefix("169.254.") || lower == "::1" || lower == "0.0.0.0"
      || lower == "::"
    {
      return false
    }
    return !lower.hasPrefix("fe8") && !lower.hasPrefix("fe9") && !lower.hasPrefix("fea")
      && !lower.hasPrefix("feb")
  }

  /// The IPv4 addresses this host's name resolves to, then its IPv6 ones.
  static func hostNameAddresses() -> [String] {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return [] }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(buffer, nil, &hints, &list) == 0 else { return [] }
    defer { freeaddrinfo(list) }
    var v4: [String] = []
    var v6: [String] = []
    var entry = list
    while let current = entry {
      if let address = current.pointee.ai_addr, let text = numeric(address) {
        if current.pointee.ai_family == AF_INET { v4.append(text) } else { v6.append(text) }
      }
      entry = current.pointee.ai_next
    }
    return v4 + v6
  }

  /// The IPv4 addresses of this host's interfaces that are up, in the kernel's order.
  static func interfaceAddresses() -> [String] {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0 else { return [] }
    defer { freeifaddrs(list) }
    var addresses: [String] = []
    var entry = list
    while let current = entry {
      let flags = Int32(bitPattern: current.pointee.ifa_flags)
      if let address = current.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
        flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
        let text = numeric(address)
      {
        addresses.append(text)
      }
      entry = current.pointee.ifa_next
    }
    return addresses
  }

  /// An IPv4 or IPv6 socket address as text.
  private static func numeric(_ address: UnsafeMutablePointer<sockaddr>) -> String? {
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    let length =
      address.pointee.sa_family == sa_family_t(AF_INET6)
      ? socklen_t(MemoryLayout<sockaddr_in6>.size) : socklen_t(MemoryLayout<sockaddr_in>.size)
    guard getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else {
      return nil
    }
    return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
