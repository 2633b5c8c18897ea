#!/usr/bin/env bash
# Installs the Debian packages biocluster needs (nothing when all are present), then the Python package
# into .venv (scripts/python_env.sh; nothing when it is up to date).
# Idempotent: safe to run any number of times. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-mpi-dev libboost-timer-dev libboost-program-options-dev
  libtbb-dev libhdf5-dev hdf5-tools catch2 libcli11-dev libtoml11-dev librandom123-dev
  libopenmpi-dev openmpi-bin
  python3-h5py python3-matplotlib python3-numpy python3-pandas python3-pil python3-scipy
  # the Python package (python/) in a virtual environment: scripts/python_env.sh
  python3-venv python3-pip python3-setuptools python3-wheel python3-pytest python3-xarray
  # the explorer pages are tested in headless Chromium (python/tests/test_explorer.py)
  chromium fonts-nanum   # fonts-nanum: Hangul (억, 조 in KRW amounts) in the pages and screenshots
  clang libclang-rt-14-dev clang-format
  # the peers of scripts/bench_peers.sh (../shared/peers): MASON on Java 17, Mesa's Python needs
  openjdk-17-jre-headless python3-tqdm python3-networkx
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  bash "$(dirname "$0")/python_env.sh"
  exit 0
fi

echo "bootstrap: installing ${#missing[@]} missing package(s): ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "bootstrap: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
bash "$(dirname "$0")/python_env.sh"
