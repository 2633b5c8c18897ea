#!/usr/bin/env bash
# Installs the build tree into a fresh prefix, then configures, builds and runs tests/consumer
# against it with find_package(biocluster): the install rules, the package config and its
# dependencies work for a project outside the tree.
# Usage: consumer.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
CMAKE=${CMAKE:-cmake}  # ctest passes the cmake that configured the build
BUILD=$(realpath "$1"); SRC=$(realpath "$2"); WORK=$3
rm -rf "$WORK"; mkdir -p "$WORK"; WORK=$(realpath "$WORK")
"$CMAKE" --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/install.log"
for f in bin/biocluster lib/cmake/biocluster/bioclusterConfig.cmake lib/cmake/biocluster/bioclusterConfigVersion.cmake \
         lib/cmake/biocluster/bioclusterTargets.cmake include/biocluster/sim/grid.hpp \
         include/biocluster/agents/model.hpp include/biocluster/output/run_writer.hpp include/biocluster/biocluster/version.hpp; do
  [ -f "$WORK/prefix/$f" ] || { echo "install lacks $f"; exit 1; }
done
if grep -rlE '#include <hdf5\.h>|"output/hdf5\.hpp"' "$WORK/prefix/include"; then echo "an installed header includes HDF5"; exit 1; fi
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
"$CMAKE" -S "$SRC/tests/consumer" -B "$WORK/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="$WORK/prefix" > "$WORK/configure.log" || { cat "$WORK/configure.log"; exit 1; }
"$CMAKE" --build "$WORK/build" > "$WORK/build.log" || { cat "$WORK/build.log"; exit 1; }
mkdir -p "$WORK/out"
"$WORK/build/consumer" "$SRC/scenarios/default.toml" "$WORK/out"
