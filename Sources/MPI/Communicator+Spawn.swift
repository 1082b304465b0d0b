import CMPI

#if canImport(Glibc)
  import Glibc
#endif

extension MPI {
  /// MPI_UNIVERSE_SIZE: how many processes the launcher has room for in all
  /// (its slots; nil when it does not say).
  public static var universeSize: Int? {
    let size = cmpi_universe_size()
    return size > 0 ? Int(size) : nil
  }
}

extension Communicator {
  /// MPI_COMM_SELF: this process alone (never freed).
  public static let selfOnly: Communicator = {
    do {
      return try Communicator(world: cmpi_comm_self())
    } catch {
      fatalError("cannot query MPI_COMM_SELF: \(error)")
    }
  }()

  /// MPI_Comm_spawn over this communicator (collective over it; `root`
  /// names the program): starts `count` processes of `executable` with
  /// `arguments` and returns the intercommunicator to them. Throws when the
  /// launcher refuses (no free slots, no such program); then nothing started.
  public func spawn(executable: String, arguments: [String], count: Int, root: Int = 0) throws -> Communicator {
    let comm = try live("MPI_Comm_spawn")
    let count32 = try int32(count, "MPI_Comm_spawn", "count")
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { Glibc.free(pointer) } }
    var errors = [Int32](repeating: 0, count: max(1, count))
    var inter: MPI_Comm? = nil
    let status = executable.withCString { program in
      argv.withUnsafeMutableBufferPointer { arguments in
        MPI_Comm_spawn(
          program, arguments.baseAddress, count32, cmpi_info_null(), Int32(root), comm, &inter, &errors)
      }
    }
    try check(status, "MPI_Comm_spawn")
    if let failed = errors.prefix(count).first(where: { $0 != cmpi_success() }) {
      throw MPIError.fromCode(failed, function: "MPI_Comm_spawn")
    }
    guard let inter, inter != cmpi_comm_null() else {
      throw MPIError.usage("MPI_Comm_spawn", "no intercommunicator was created")
    }
    return try Communicator(wrapping: inter)
  }

  /// The intercommunicator to the processes that spawned this one (nil when
  /// it was started by the launcher).
  public static var parent: Communicator? {
    var parent: MPI_Comm? = nil
    guard MPI_Comm_get_parent(&parent) == cmpi_success(), let parent, parent != cmpi_comm_null() else {
      return nil
    }
    return try? Communicator(wrapping: parent)
  }

  /// MPI_Intercomm_merge (collective over both groups): one intracommunicator
  /// of both sides, this side's processes after the other's when `high`.
  public func merged(high: Bool) throws -> Communicator {
    let comm = try live("MPI_Intercomm_merge")
    var merged: MPI_Comm? = nil
    try check(MPI_Intercomm_merge(comm, high ? 1 : 0, &merged), "MPI_Intercomm_merge")
    guard let merged else { throw MPIError.usage("MPI_Intercomm_merge", "no communicator was created") }
    return try Communicator(wrapping: merged)
  }
}

extension Communicator {
  /// MPI_Intercomm_create (collective over this communicator and the remote
  /// group's): the intercommunicator between this group and another one with
  /// which it shares no process. `peer` (a communicator holding both leaders)
  /// and `remoteLeader` (the other leader's rank in it) count only at
  /// `localLeader`; `tag` keeps the leaders' message apart from others on `peer`.
  public func intercommunicator(localLeader: Int, peer: Communicator, remoteLeader: Int, tag: Int) throws
    -> Communicator
  {
    let f = "MPI_Intercomm_create"
    let comm = try live(f)
    let peerComm = try peer.live(f)
    var inter: MPI_Comm? = nil
    try check(
      MPI_Intercomm_create(
        comm, try int32(localLeader, f, "local leader"), peerComm, try int32(remoteLeader, f, "remote leader"),
        try int32(tag, f, "tag"), &inter), f)
    guard let inter, inter != cmpi_comm_null() else { throw MPIError.usage(f, "no intercommunicator was created") }
    return try Communicator(wrapping: inter)
  }
}
