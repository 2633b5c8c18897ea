#!/bin/bash
# biocluster-jll-order: the JLL 2019 order over replicates (seed digest §(f).1) from short real runs:
# exit 0, the three clusters and one share line per possible order (plain and --markdown), and a bad
# binary refused with exit 2 and one line. Usage: test_jll_order.sh BIN ROOT WORKDIR
set -euo pipefail
bin=$1 root=$2 work=$3
py=${BIOCLUSTER_PYTHON:-$root/.venv/bin/python}; gen="$(dirname "$py")/biocluster-jll-order"
rm -rf "$work" && mkdir -p "$work"
"$gen" "$bin" --replicates 2 --steps 24 --outdir "$work/runs" > "$work/out.txt" 2> "$work/log.txt"
out="$work/out.txt"
for c in Boston "SF Bay" "San Diego"; do grep -q "$c" "$out"; done
[ "$(grep -cE '^(Boston|SF Bay|San Diego) > .* [0-9]+/2 +[0-9]+%$' "$out")" -eq 6 ]   # six orders
grep -qE '^Boston > SF Bay > San Diego  \(JLL order\) +[0-9]/2' "$out"
grep -qE '^JLL order \(Boston > SF Bay > San Diego\) holds in [0-2] of 2 replicates' "$out"
grep -q 'market share' "$out" && grep -q 'renormalised' "$out"
[ -f "$work/runs/boston_1.h5" ] && [ -f "$work/runs/sf_bay_0.h5" ] && [ -f "$work/runs/san_diego_1.h5" ]
# --markdown: the same table as Markdown (the runs are made again)
"$gen" "$bin" --replicates 2 --steps 24 --outdir "$work/runs" --markdown > "$work/out.md" 2> /dev/null
[ "$(grep -cE '^\| (Boston|SF Bay|San Diego) > .* \| [0-9]+/2 \| [0-9]+% \|$' "$work/out.md")" -eq 6 ]
# bad binary: exit 2, one line on stderr, nothing on stdout
set +e; "$gen" "$work/no-such-binary" --replicates 2 > "$work/bad.txt" 2> "$work/err.txt"; rc=$?; set -e
[ $rc -eq 2 ] && [ "$(wc -l < "$work/err.txt")" -eq 1 ] && [ ! -s "$work/bad.txt" ]
echo "jll_order: table and order shares from 2 replicates, bad binary refused with exit 2"
