#!/usr/bin/env bash
# Peer benchmarks (tests/bench/peers/README.md), MEASURED SIDE BY SIDE: our bench_peers binary and the peer
# frameworks stored in ../shared/peers (its README.md), in one run, interleaved ours -> peer -> ours so
# that a change of machine load hits both. Three comparisons, each a median over seeded runs of
# setup + all steps:
#   schelling-large vs MASON 22     (ABMFrameworksComparison's Schelling_large, Java)
#   schelling-large vs Mesa 3.2.0   (ABMFrameworksComparison's Mesa Schelling, tests/bench/peers/mesa_timing.py)
#   boltzmann-large vs Mesa 3.3.1   (mesa.examples.BoltzmannWealth, tests/bench/peers/mesa_timing.py)
#
#   bash scripts/bench_peers.sh                  # side by side: ours 100 runs/pass, MASON 100, Mesa 20 (~1-3 min)
#   bash scripts/bench_peers.sh --quick          # side by side, few runs: ours 20, MASON 10, Mesa 3 (~20-40 s)
#   bash scripts/bench_peers.sh --ours-runs 200 --mason-runs 100 --mesa-runs 10
#   bash scripts/bench_peers.sh --ours-only [ARGS]   # today's behaviour: build + run only our binary, ARGS to it
#   bash scripts/bench_peers.sh --model schelling --size large --runs 20 --threads 1,2   # ditto (any other
#                                                # argument means --ours-only; see `bench_peers --help`)
#
# Side-by-side options:
#   --quick                 few runs (a smoke run of the comparison; medians are noisier, MASON's JIT warm-up shows)
#   --ours-runs N           seeded runs per pass of ours (default 100; two passes per comparison)
#   --mason-runs N          MASON repeats in one JVM (-repeat N; default 100)
#   --mesa-runs N           Mesa seeded runs (default 20; ~1-2 s each)
#   --bin PATH              our binary (default $BENCH_PEERS_BIN or build/release/tests/bench/bench_peers; built
#                           with the release preset when that default is missing)
#   --build                 configure + build the release preset's bench_peers first (as --ours-only does)
#   --peers DIR             the peer copies (default ../shared/peers, relative to the repo root)
#   --out DIR               raw outputs (default: a new /tmp/bench_peers.XXXXXX)
# Ours: `bench_peers --model M --size large --runs N --threads 1 --no-sync-variant` (steady_clock, seeds 42+i,
# setup + all steps, median). MASON: `java Schelling_large -seed 42 -for 20 -repeat N -quiet`, median of its
# "JobTime: <ns>" lines (seed 42+i per job; its clock starts at the end of start(), i.e. after setup: steps
# only, which favours MASON). Mesa: tests/bench/peers/mesa_timing.py (perf_counter, setup + all steps, seeds
# 42+i, median). ratio = peer median / the SLOWER of our two medians (conservative).
# When the peers folder, Java, /usr/bin/python3 or a Python package Mesa needs (numpy pandas scipy tqdm
# networkx) is missing, the affected rows show the figures quoted by issue #7/#20 instead, labelled
# "QUOTED, not measured here" (MASON 81 ms, Mesa 3.2 1842 ms, Mesa 3.3 650-860 ms), and the reason is printed.
# Exit status: 0 ok (also with QUOTED rows), 1 results differ between thread counts (--ours-only), 2 bad usage,
# build failure or a failed run of ours.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

build_release() {
  echo "bench_peers: configuring and building the 'release' preset (build/release, target bench_peers)" >&2
  cmake --preset release >/dev/null || { echo "bench_peers: configure failed" >&2; exit 2; }
  cmake --build build/release --target bench_peers -j"$(nproc)" >/dev/null || { echo "bench_peers: build failed" >&2; exit 2; }
}

# --- today's behaviour: only our binary, arguments passed through ---------------------------------------
side_opts=" --quick --ours-runs --mason-runs --mesa-runs --bin --build --peers --out "
ours_only=0
if [ "${1:-}" = --ours-only ]; then
  ours_only=1
  shift
else
  for a in "$@"; do
    case "$a" in
      --*) [[ "$side_opts" == *" $a "* ]] || ours_only=1 ;;
    esac
  done
fi
if [ "$ours_only" = 1 ]; then
  bin=${BENCH_PEERS_BIN:-}
  if [ -z "$bin" ]; then
    build_release
    bin=build/release/tests/bench/bench_peers
  fi
  echo "bench_peers: git $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
  exec "$bin" "$@"
fi

# --- side by side -----------------------------------------------------------------------------------------
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }
ours_runs=100; mason_runs=100; mesa_runs=20; quick=0; do_build=0
bin=${BENCH_PEERS_BIN:-}; peers=../shared/peers; out=""
posint() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "bench_peers: $1 needs a positive integer, got '$2'" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; ours_runs=20; mason_runs=10; mesa_runs=3 ;;
    --ours-runs) posint "$1" "${2:-}"; ours_runs=$2; shift ;;
    --mason-runs) posint "$1" "${2:-}"; mason_runs=$2; shift ;;
    --mesa-runs) posint "$1" "${2:-}"; mesa_runs=$2; shift ;;
    --bin) bin=${2:?--bin needs a path}; shift ;;
    --build) do_build=1 ;;
    --peers) peers=${2:?--peers needs a folder}; shift ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    -h|--help) usage ;;
    *) echo "bench_peers: unexpected argument '$1'" >&2; usage ;;
  esac
  shift
done

if [ "$do_build" = 1 ]; then build_release; fi
if [ -z "$bin" ]; then
  bin=build/release/tests/bench/bench_peers
  [ -x "$bin" ] || build_release
fi
[ -x "$bin" ] || { echo "bench_peers: our binary '$bin' is not there (build it or pass --bin)" >&2; exit 2; }
for src in tests/bench/peers/*.cpp tests/bench/peers/*.hpp; do
  if [ "$src" -nt "$bin" ]; then
    echo "bench_peers: WARNING: $bin is older than $src; rebuild (--build) or pass --bin" >&2
    break
  fi
done
if [ -z "$out" ]; then out=$(mktemp -d /tmp/bench_peers.XXXXXX); else mkdir -p "$out"; fi

# What can be measured here; otherwise the reason for the QUOTED figure.
mason_why=""; mesa32_why=""; mesa33_why=""
if [ -d "$peers" ]; then
  peers=$(cd "$peers" && pwd)
  if ! command -v java >/dev/null 2>&1; then
    mason_why="no java on PATH"
  elif [ ! -f "$peers/mason/mason.22.jar" ] || [ ! -f "$peers/mason/Schelling_large.class" ]; then
    mason_why="$peers/mason lacks mason.22.jar or Schelling_large.class"
  fi
  py_why=""
  if [ ! -x /usr/bin/python3 ]; then
    py_why="no /usr/bin/python3"
  else
    for pkg in numpy pandas scipy tqdm networkx; do
      if ! PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c "import $pkg" >/dev/null 2>&1; then
        py_why="${py_why:+$py_why, }python package $pkg missing (Debian: python3-$pkg)"
      fi
    done
  fi
  mesa32_why=$py_why; mesa33_why=$py_why
  [ -f "$peers/mesa-3.2.0/mesa/__init__.py" ] && [ -f "$peers/abm-comparison-schelling-mesa/Schelling.py" ] ||
    mesa32_why="${mesa32_why:+$mesa32_why; }$peers lacks mesa-3.2.0/mesa or abm-comparison-schelling-mesa"
  [ -f "$peers/mesa-3.3.1/mesa/examples/basic/boltzmann_wealth_model/model.py" ] ||
    mesa33_why="${mesa33_why:+$mesa33_why; }$peers lacks mesa-3.3.1 with mesa.examples.BoltzmannWealth"
else
  mason_why="peers folder $peers not found"; mesa32_why=$mason_why; mesa33_why=$mason_why
fi

median() {  # stdin: one number a line -> the median (mean of the two middle values for an even count)
  sort -g | awk '{v[NR] = $1} END {if (NR == 0) {print "nan"; exit} if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2];
    else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
load1() { cut -d' ' -f1 /proc/loadavg; }

ours() {  # ours MODEL TAG -> median ms of our 1-thread pass (raw table in $out)
  local model=$1 tag=$2 m
  "$bin" --model "$model" --size large --runs "$ours_runs" --threads 1 --no-sync-variant \
    >"$out/ours_$tag.txt" 2>"$out/ours_$tag.err" || { echo "bench_peers: our run failed ($out/ours_$tag.err)" >&2; exit 2; }
  m=$(awk -v c="$model-large" '$1 == c && $2 == 1 {print $4}' "$out/ours_$tag.txt")
  [ -n "$m" ] || { echo "bench_peers: no $model-large row in $out/ours_$tag.txt" >&2; exit 2; }
  echo "$m"
}

run_mason() {  # -> median ms of MASON's JobTime lines, or empty on failure
  local n
  (cd "$out" && CLASSPATH="$peers/mason:$peers/mason/mason.22.jar" timeout 900 java Schelling_large -seed 42 -for 20 \
    -repeat "$mason_runs" -quiet) >"$out/mason.txt" 2>"$out/mason.err" || return 0
  n=$(grep -c '^JobTime: ' "$out/mason.txt" || true)
  [ "$n" = "$mason_runs" ] || return 0
  grep '^JobTime: ' "$out/mason.txt" | awk '{printf "%.6f\n", $2 / 1e6}' | median
}

run_mesa() {  # run_mesa VERSION MODEL TAG -> median ms of the driver's runs, or empty on failure
  local version=$1 model=$2 tag=$3 n
  (cd "$out" && PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$peers/mesa-$version" timeout 1200 /usr/bin/python3 \
    "$repo/tests/bench/peers/mesa_timing.py" --model "$model" --peers "$peers" --runs "$mesa_runs") \
    >"$out/$tag.txt" 2>"$out/$tag.err" || return 0
  grep -q "^median_ms .* mesa $version " "$out/$tag.txt" || return 0
  n=$(grep -c '^run ' "$out/$tag.txt" || true)
  [ "$n" = "$mesa_runs" ] || return 0
  awk '$1 == "run" {print $6}' "$out/$tag.txt" | median
}

rows=(); notes=()
compare() {  # compare MODEL PEER_ID WHY PEER_RUNS QUOTED_LO QUOTED_HI PEER_COMMAND...
  local model=$1 id=$2 why=$3 peer_runs=$4 qlo=$5 qhi=$6 tag l0 l1 o1 o2 p="" slow ratio label pr
  shift 6
  tag=$(echo "$id" | tr 'A-Z.' 'a-z_')
  l0=$(load1)
  echo "bench_peers: $model-large vs $id: ours ($ours_runs runs)" >&2
  o1=$(ours "$model" "${tag}_1")
  if [ -z "$why" ]; then
    echo "bench_peers: $model-large vs $id: $id ($peer_runs runs)" >&2
    p=$("$@")
    [ -n "$p" ] || why="the $id run failed (see $out/$tag.err or $out/mason.err)"
  fi
  echo "bench_peers: $model-large vs $id: ours again ($ours_runs runs)" >&2
  o2=$(ours "$model" "${tag}_2")
  l1=$(load1)
  slow=$(awk -v a="$o1" -v b="$o2" 'BEGIN {print (a > b ? a : b)}')
  fmt_ratio() { awk -v p="$1" -v o="$slow" 'BEGIN {r = p / o; printf (r >= 100 ? "%.0f" : "%.1f"), r}'; }
  if [ -z "$why" ]; then
    ratio="$(fmt_ratio "$p")x"; label="measured side by side"; pr=$peer_runs
  else
    p=$qlo; ratio="$(fmt_ratio "$qlo")x"
    if [ "$qhi" != "$qlo" ]; then p="$qlo-$qhi"; ratio="$(fmt_ratio "$qlo")-$(fmt_ratio "$qhi")x"; fi
    label="QUOTED, not measured here"; pr="-"
    notes+=("$model-large vs $id: QUOTED, not measured here: $why")
  fi
  rows+=("$(printf '%-16s %-11s %10s %10s %10s %10s %6s %6s %11s  %s' "$model-large" "$id" "$o1" "$p" "$o2" "$ratio" \
    "$ours_runs" "$pr" "$l0->$l1" "$label")")
}

load_before=$(cat /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
compare schelling MASON-22 "$mason_why" "$mason_runs" 81 81 run_mason
compare schelling Mesa-3.2.0 "$mesa32_why" "$mesa_runs" 1842 1842 run_mesa 3.2.0 schelling-large mesa-3_2_0
compare boltzmann Mesa-3.3.1 "$mesa33_why" "$mesa_runs" 650 860 run_mesa 3.3.1 boltzmann-large mesa-3_3_1
load_after=$(cat /proc/loadavg)

java_v=$(java -version 2>&1 | head -1 || true)
py_v=$(/usr/bin/python3 --version 2>&1 || true)
printf '%-16s %-11s %10s %10s %10s %10s %6s %6s %11s  %s\n' case peer ours_1_ms peer_ms ours_2_ms peer/ours \
  o_runs p_runs load1m "peer figure"
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "Run on $(hostname), $started, git $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git diff --quiet \
  HEAD -- tests/bench/peers scripts/bench_peers.sh 2>/dev/null || echo ' (+ local changes)'), nproc $(nproc),"
echo "  $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')$([ "$quick" = 1 ] && echo ', --quick (few runs: noisy)')."
echo "Load average (/proc/loadavg) before: $load_before; after: $load_after."
echo "Order per row: ours (ours_1_ms), then the peer (peer_ms), then ours again (ours_2_ms); load1m = 1-minute"
echo "  load average before -> after the row. peer/ours = peer median / the slower of our two medians."
echo "ours: $bin --model M --size large --runs $ours_runs --threads 1 --no-sync-variant:"
echo "  median of $ours_runs seeded runs (seeds 42+i), steady_clock around setup + all steps, one thread."
if [ -z "$mason_why" ]; then
  echo "MASON-22: java Schelling_large -seed 42 -for 20 -repeat $mason_runs -quiet ($java_v), one JVM, median of"
  echo "  its JobTime lines; MASON's clock starts after setup (steps only); JIT warm-up is in the first repeats."
fi
if [ -z "$mesa32_why" ] || [ -z "$mesa33_why" ]; then
  echo "Mesa: /usr/bin/python3 tests/bench/peers/mesa_timing.py ($py_v), PYTHONPATH=<peers>/mesa-X, median of"
  echo "  $mesa_runs seeded runs (seeds 42+i), perf_counter around model construction + all steps."
fi
[ -z "$mesa32_why" ] && echo "  Mesa-3.2.0: ABMFrameworksComparison's Schelling.py (100x100, density 0.8, homophily 8, radius 2, 20 steps)."
[ -z "$mesa33_why" ] && echo "  Mesa-3.3.1: mesa.examples.BoltzmannWealth(n=10000, 100x100; OrthogonalMooreGrid, torus=False), 10 steps."
echo "Peers from $peers; raw outputs in $out/."
for n in "${notes[@]+"${notes[@]}"}"; do echo "$n"; done
if [ "${#notes[@]}" -gt 0 ]; then
  echo "QUOTED figures: those of issues #7/#20, measured at another time on another machine; only our column is measured here."
fi
exit 0
