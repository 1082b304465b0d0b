# shellcheck shell=bash
# Sets up what the entry scripts (Scripts/demo, Scripts/test, Scripts/bench)
# need on a Debian machine that has only Swift: OpenMPI's runtime and headers
# (mpirun, mpicc, pkg-config's ompi-c) and pkg-config. Missing Debian packages
# are installed with apt-get, as root or through sudo; without either it stops
# with one line naming the packages to install. Then it exports the OpenMPI
# settings of Scripts/mpi-env.sh. A script that needs more Debian packages
# names them to mpp_setup_packages, which installs them the same way.
# Source it from the repository root: ". Scripts/setup.sh".

# The Debian packages the entry scripts need, and a check for each.
mpp_setup_missing() {
  local missing=()
  command -v pkg-config > /dev/null 2>&1 || missing+=(pkg-config)
  if ! command -v mpirun > /dev/null 2>&1 || ! command -v mpicc > /dev/null 2>&1; then
    missing+=(openmpi-bin)
  fi
  if ! command -v pkg-config > /dev/null 2>&1 || ! pkg-config --exists ompi-c 2> /dev/null; then
    missing+=(libopenmpi-dev)
  fi
  echo "${missing[@]}"
}

# Installs the given Debian packages, or says how to and returns 1.
mpp_setup_install() {
  local packages=("$@") sudo=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo > /dev/null 2>&1 && sudo -n true 2> /dev/null; then
      sudo=(sudo -n)
    else
      echo "setup: missing Debian packages; as root run: apt-get install -y ${packages[*]}" >&2
      return 1
    fi
  fi
  if ! command -v apt-get > /dev/null 2>&1; then
    echo "setup: no apt-get here; install what these Debian packages hold: ${packages[*]}" >&2
    return 1
  fi
  echo "setup: installing ${packages[*]} with apt-get" >&2
  "${sudo[@]}" apt-get update -qq >&2 \
    && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      "${packages[@]}" >&2
}

# Installs those of the given Debian packages that dpkg does not list as
# installed, as mpp_setup does for its own (apt-get as root or through sudo;
# otherwise one line naming them, and returns 1). For a script that needs more
# than the entry scripts do, e.g. Scripts/bench-compare:
#   mpp_setup_packages python3-venv python3-dev
mpp_setup_packages() {
  local package missing=()
  for package in "$@"; do
    # shellcheck disable=SC2016
    if [ "$(dpkg-query -W -f='${Status}' "$package" 2> /dev/null)" != "install ok installed" ]; then
      missing+=("$package")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] || mpp_setup_install "${missing[@]}"
}

mpp_setup() {
  # shellcheck disable=SC2207
  local missing=($(mpp_setup_missing))
  if [ "${#missing[@]}" -gt 0 ]; then
    mpp_setup_install "${missing[@]}" || return 1
    # shellcheck disable=SC2207
    missing=($(mpp_setup_missing))
    if [ "${#missing[@]}" -gt 0 ]; then
      echo "setup: still missing after installing: ${missing[*]}" >&2
      return 1
    fi
  fi
  # shellcheck source=Scripts/mpi-env.sh
  . Scripts/mpi-env.sh
  if ! command -v swift > /dev/null 2>&1; then
    echo "setup: swift is not on PATH; install a Swift toolchain (swift.org) first" >&2
    return 1
  fi
}

mpp_setup || exit 1
