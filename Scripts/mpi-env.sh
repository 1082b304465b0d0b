# shellcheck shell=bash
# Shared OpenMPI settings for Scripts/test, Scripts/demo and CI.
# Source it (". Scripts/mpi-env.sh"); it only exports variables.
# Keep in sync with MPIRun.mpiEnvironment in Tests/IntegrationTests/Support/MPIRun.swift.

# Swift toolchain: fall back to the toolchain at /opt/swift when `swift` is not on PATH.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi

# mpirun refuses to run as root unless told twice; only say so when we are root.
if [ "$(id -u)" = "0" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1
  export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# When mpirun is sent SIGTERM (a batch system's time limit) it sends the ranks
# SIGCONT, waits this many seconds, sends SIGTERM, waits as long again, then
# SIGKILL. Open MPI's 1 s is too short for rank 0 to write its journal and mark
# the run terminated; 3 s leaves it time, well inside Slurm's 30 s KillWait.
export OMPI_MCA_odls_base_sigkill_timeout="${OMPI_MCA_odls_base_sigkill_timeout:-3}"

# Jobs use more ranks (2..8) than CI machines have cores (often 2).
export OMPI_MCA_rmaps_base_oversubscribe=1
# Same for Open MPI 5 / PRRTE (harmless on 4.x).
export PRTE_MCA_rmaps_default_mapping_policy="${PRTE_MCA_rmaps_default_mapping_policy:-:oversubscribe}"

# Don't warn about transports (e.g. openib) that were built but find no hardware.
export OMPI_MCA_btl_base_warn_component_unused="${OMPI_MCA_btl_base_warn_component_unused:-0}"

# Shared-memory single-copy (CMA, process_vm_readv) fails in containers without
# CAP_SYS_PTRACE (Docker's default seccomp profile), flooding stderr with
# "Read -1, expected ..." and breaking large messages. Fall back to copy-in/copy-out
# only there; a 1 MB+ message test passes with CMA on a host or a privileged container.
if [ -z "${OMPI_MCA_btl_vader_single_copy_mechanism:-}" ] \
  && { [ -f /.dockerenv ] || [ -f /run/.containerenv ]; }; then
  _mpi_env_capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status 2>/dev/null || true)
  # CAP_SYS_PTRACE is capability bit 19 (0x80000).
  if [ -n "$_mpi_env_capeff" ] && [ $(( 0x$_mpi_env_capeff & 0x80000 )) -eq 0 ]; then
    export OMPI_MCA_btl_vader_single_copy_mechanism=none
  fi
  unset _mpi_env_capeff
fi
