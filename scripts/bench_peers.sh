#!/usr/bin/env bash
# Builds bench_peers with the release preset and runs the peer benchmarks (tests/bench/peers/README.md):
# Schelling small/large (ABMFrameworksComparison rules) and Boltzmann wealth small/large/1M (Mesa's
# benchmark rules), 100 seeded runs each (10 for 1M), at 1 thread and at nproc threads, then prints the table.
#
#   bash scripts/bench_peers.sh                 # everything
#   bash scripts/bench_peers.sh --model schelling --size large --runs 20 --threads 1,2
#
# Extra arguments go to bench_peers (see `build/release/tests/bench/bench_peers --help`).
# Exit status: 0 ok, 1 results differ between thread counts, 2 bad usage or build failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "bench_peers: configuring and building the 'release' preset (build/release, target bench_peers)" >&2
cmake --preset release >/dev/null || { echo "bench_peers: configure failed" >&2; exit 2; }
cmake --build build/release --target bench_peers -j"$(nproc)" >/dev/null || { echo "bench_peers: build failed" >&2; exit 2; }

echo "bench_peers: git $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
exec build/release/tests/bench/bench_peers "$@"
