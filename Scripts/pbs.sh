#!/bin/bash
#PBS -N mpiparallel
#PBS -l select=1:ncpus=9:mpiprocs=9
##PBS -l nodes=1:ppn=9            (Torque: use this line instead of the select line)
#PBS -l walltime=00:10:00
#PBS -j oe
#
# PBS (PBS Pro, OpenPBS, Torque) template for an MPIParallel program: 1 hub (rank 0) +
# the other ranks as engines. Copy it next to your package and edit the #PBS lines
# (mpiprocs=9 / ppn=9: 1 hub + 8 engines).
#
#   qsub -v MPP_PRODUCT=primes Scripts/pbs.sh        (qsub passes settings as variables)
#   bash Scripts/pbs.sh [OPTIONS] [--] [PROGRAM ARGUMENTS...]
#
# Options (or the variable in brackets):
#   --product NAME  executable product to build (swift build -c release) and run [MPP_PRODUCT; default tour]
#   --bin PATH      an executable already built; no build [MPP_BIN]
#   --serve         [MPP_SERVE=1] serve the job for steering: passes --serve --serve-port PORT
#                   to the program (the hub listens on 127.0.0.1 of its node) and prints the
#                   ssh tunnel and copy commands to run on your laptop
#   --port N        the steering port [MPP_PORT; default 7070]
#   --login HOST    the login node for the tunnel [MPP_LOGIN; default PBS_O_HOST]
# Also: MPP_ARGS (program arguments, split on spaces, before those given on the command line),
#       MPP_PACKAGE_DIR (default PBS_O_WORKDIR, else the current directory),
#       MPP_RANKS (override the rank count), MPP_MPIRUN_ARGS (extra mpirun options),
#       MPP_EXIT_GRACE (seconds mpirun may stay after rank 0 ended before it is ended; default 60).
# The rank count is PBS_NP when set (Torque), else the number of lines of PBS_NODEFILE
# (one per MPI process); mpirun gets --hostfile "$PBS_NODEFILE". Runtime settings travel as
# MPIPARALLEL_* variables or flags among the program's arguments.
# Try it without PBS: printf 'localhost\n%.0s' 1 2 3 > /tmp/nodes; PBS_NODEFILE=/tmp/nodes bash Scripts/pbs.sh
set -euo pipefail

die() {
  echo "pbs.sh: error: $*" >&2
  exit "${status:-2}"
}

product=${MPP_PRODUCT:-tour}
bin=${MPP_BIN:-}
serve=${MPP_SERVE:-0}
port=${MPP_PORT:-7070}
login=${MPP_LOGIN:-${PBS_O_HOST:-login}}
while [ $# -gt 0 ]; do
  case "$1" in
    --product) [ $# -ge 2 ] || die "--product needs a name"; product=$2; shift 2 ;;
    --bin) [ $# -ge 2 ] || die "--bin needs a path"; bin=$2; shift 2 ;;
    --serve) serve=1; shift ;;
    --port) [ $# -ge 2 ] || die "--port needs a number"; port=$2; shift 2 ;;
    --login) [ $# -ge 2 ] || die "--login needs a host"; login=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

if [ -n "${MPP_ARGS:-}" ]; then
  # shellcheck disable=SC2206
  extra=(${MPP_ARGS})
  set -- "${extra[@]}" "$@"
fi

nodefile=${PBS_NODEFILE:-}
if [ -n "$nodefile" ] && [ ! -r "$nodefile" ]; then die "PBS_NODEFILE=$nodefile cannot be read"; fi
ranks=${MPP_RANKS:-${PBS_NP:-}}
if [ -z "$ranks" ] && [ -n "$nodefile" ]; then
  ranks=$(grep -c . "$nodefile" || true)
fi
[ -n "$ranks" ] || die "no rank count: PBS_NODEFILE and PBS_NP are not set; submit with qsub, or set PBS_NODEFILE (or MPP_RANKS) by hand to try the template"
[[ "$ranks" =~ ^[0-9]+$ ]] || die "the rank count must be a whole number, got '$ranks'"
[ "$ranks" -ge 2 ] || die "MPIParallel needs at least 2 ranks (rank 0 is the hub, the others are engines); got $ranks"
[[ "$port" =~ ^[0-9]+$ ]] || die "--port needs a number, got '$port'"

install_hint="install OpenMPI: on Debian/Ubuntu 'apt-get install openmpi-bin libopenmpi-dev', on a cluster usually 'module load openmpi'"

command -v mpirun >/dev/null 2>&1 || status=127 die "mpirun not found on PATH; $install_hint"

if [ -z "$bin" ]; then
  package_dir=${MPP_PACKAGE_DIR:-${PBS_O_WORKDIR:-$PWD}}
  [ -f "$package_dir/Package.swift" ] || die "no Package.swift in $package_dir: submit from your package's directory, set MPP_PACKAGE_DIR, or give --bin"
  command -v swift >/dev/null 2>&1 || status=127 die "swift not found on PATH to build '$product' (or give a built program with --bin)"
  echo "==== swift build -c release --product $product ($package_dir) ===="
  swift build -c release --package-path "$package_dir" --product "$product"
  bin="$(swift build -c release --package-path "$package_dir" --show-bin-path)/$product"
fi
[ -x "$bin" ] || die "program not found or not executable: $bin"

# OpenMPI missing where the job runs: the loader fails before the program starts; say so first.
if command -v ldd >/dev/null 2>&1; then
  missing=$(ldd "$bin" 2>/dev/null | awk '/not found/ { print $1 }' | tr '\n' ' ' || true)
  if [ -n "$missing" ]; then
    status=127 die "$bin needs libraries that are not installed here: ${missing}($install_hint)"
  fi
fi

runtime_flags=()
if [ "$serve" = 1 ]; then
  runtime_flags=(--serve --serve-port "$port")
  user=${USER:-$(id -un)}
  echo "steering: the hub listens on 127.0.0.1:$port of $(hostname); on your machine run"
  echo "  ssh -N -J $user@$login -L $port:127.0.0.1:$port $user@$(hostname)"
  echo "  scp $user@$login:.mpiparallel/profile_default/client.json ~/.mpiparallel/profile_default/"
  echo "then steer it: mpiparallel engines (the tunnel makes the file's 127.0.0.1:$port reach the hub)"
fi

hostfile=()
if [ -n "$nodefile" ]; then hostfile=(--hostfile "$nodefile"); fi
# shellcheck disable=SC2086
# On the scheduler's SIGTERM, mpirun gives the ranks 3 s before SIGKILL (Open MPI's
# 1 s is too short for rank 0 to write its journal and mark the run terminated).
export OMPI_MCA_odls_base_sigkill_timeout="${OMPI_MCA_odls_base_sigkill_timeout:-3}"
# --enable-recovery: an engine that dies costs its tasks, not the job (the
# hub runs them elsewhere and names the engine on standard error).
cmd=(mpirun --enable-recovery ${MPP_MPIRUN_ARGS:-} -np "$ranks" "${hostfile[@]}" "$bin" "${runtime_flags[@]}" "$@")
# Under --enable-recovery Open MPI's mpirun exits 0 whatever its ranks return,
# so rank 0 also writes its exit status to MPIPARALLEL_STATUS_FILE (4: the
# driver finished but engines were lost) and this script exits with it.
# Across nodes Open MPI 4.1's mpirun --enable-recovery stays after a rank
# died even once every rank is gone: when rank 0 has written its status, the
# launcher gets MPP_EXIT_GRACE seconds (default 60) to exit, then is ended.
# A SIGTERM or SIGINT from the scheduler is passed on to mpirun.
run_reporting_status() {
  local status_file rc grace=${MPP_EXIT_GRACE:-60}
  status_file=$(mktemp "${TMPDIR:-/tmp}/mpiparallel-status.XXXXXX")
  MPIPARALLEL_STATUS_FILE="$status_file" "$@" &
  local pid=$!
  trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
  (
    while kill -0 "$pid" 2>/dev/null && [ ! -s "$status_file" ]; do sleep 1; done
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$grace" ]; do
      sleep 1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "warning: $1 still runs $grace s after rank 0 ended (Open MPI's mpirun --enable-recovery across nodes after a rank died); ending it" >&2
      : >"$status_file.ended"
      kill -TERM "$pid" 2>/dev/null
    fi
  ) &
  local watcher=$!
  rc=0
  wait "$pid" || rc=$?
  # A trapped signal ends the wait early: wait again until mpirun is gone.
  while kill -0 "$pid" 2>/dev/null; do
    rc=0
    wait "$pid" || rc=$?
  done
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  trap - TERM INT
  # Ended here after rank 0 had finished: rank 0's status is the job's.
  if [ -e "$status_file.ended" ]; then rc=0; fi
  if [ "$rc" -eq 0 ]; then
    if [ -s "$status_file" ]; then
      rc=$(tr -dc '0-9' <"$status_file")
      rc=${rc:-1}
    else
      echo "error: rank 0 ended without an exit status (it died, or the program does not use MPIParallel)" >&2
      rc=1
    fi
  fi
  rm -f "$status_file" "$status_file.ended"
  return "$rc"
}

echo "==== ${cmd[*]} ===="
run_reporting_status "${cmd[@]}"
