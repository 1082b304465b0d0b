/// The connections that have not yet sent a validly signed frame, oldest
/// first, and which of them to close so that their number stays within
/// ``limit`` overall and ``perAddressLimit`` from any one remote address.
///
/// When a new connection would pass a limit, the oldest pending one (of that
/// address, for the per-address limit) is closed to make room: a pending
/// connection has done nothing but hold a descriptor, and the oldest has had
/// the longest to prove the key. Closing the new one instead would let a
/// peer that holds `limit` idle connections keep every client out.
/// Connections that have proved the key are never counted here, so a flood
/// of unsigned connections never closes a client's working connection.
///
/// A value type with no sockets of its own: connections are plain ids, so
/// tests drive it directly.
public struct PendingConnections: Sendable, Equatable {
  /// Pending connections held at most, overall.
  public let limit: Int
  /// Pending connections held at most from one remote address.
  public let perAddressLimit: Int

  /// The pending connections, oldest first.
  private var order: [(id: Int, address: String)] = []

  public init(limit: Int, perAddressLimit: Int) {
    precondition(limit >= 1 && perAddressLimit >= 1, "the limits on pending connections must be at least 1")
    self.limit = limit
    self.perAddressLimit = perAddressLimit
  }

  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.limit == rhs.limit && lhs.perAddressLimit == rhs.perAddressLimit
      && lhs.order.map(\.id) == rhs.order.map(\.id) && lhs.order.map(\.address) == rhs.order.map(\.address)
  }

  /// How many connections are pending.
  public var count: Int { order.count }

  /// The pending connections' ids, oldest first.
  public var ids: [Int] { order.map(\.id) }

  /// Takes in a new connection from `address`; returns the ids of the
  /// pending connections to close to make room for it (oldest first).
  public mutating func admit(_ id: Int, address: String) -> [Int] {
    var closed: [Int] = []
    let fromAddress = order.filter { $0.address == address }
    if fromAddress.count >= perAddressLimit {
      for old in fromAddress.prefix(fromAddress.count - perAddressLimit + 1) {
        closed.append(old.id)
        remove(old.id)
      }
    }
    if order.count >= limit {
      for old in order.prefix(order.count - limit + 1) {
        closed.append(old.id)
        remove(old.id)
      }
    }
    order.append((id, address))
    return closed
  }

  /// Forgets a connection: it proved the key, or it closed.
  public mutating func remove(_ id: Int) {
    order.removeAll { $0.id == id }
  }
}
