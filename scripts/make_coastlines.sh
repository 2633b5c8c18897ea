#!/usr/bin/env bash
# Regenerates python/biocluster/geodata/*.json: the coastlines and national borders the maps draw,
# extracted from GSHHG 2.3 (high resolution, ~200 m; islands of 1 km² or more) with GMT's `gmt coast`, for a box around
# each shipped scenario that places its grid on the Earth (grid.origin_lat_deg/lon_deg). Only this
# script needs GMT (Debian: gmt gmt-gshhg-high); the maps read the shipped extracts. GSHHG is
# LGPL-3+ (Wessel & Smith; python/biocluster/geodata/LICENSE.GSHHG).
# Usage: bash scripts/make_coastlines.sh [BIOCLUSTER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/biocluster}
command -v gmt >/dev/null || { echo "make_coastlines: needs GMT: apt-get install gmt gmt-gshhg-high" >&2; exit 2; }
out=python/biocluster/geodata
for sc in korea/korea us/boston us/sf_bay us/san_diego; do
  name=$(basename "$sc")
  # the grid's box in degrees (+ a margin of 15% each side), from the resolved parameters
  read -r w e s n < <("$bin" check "scenarios/$sc.toml" | /usr/bin/python3 -c '
import math, re, sys
v = {}
for line in sys.stdin:
    m = re.match(r"\s*(grid\.(?:width|height|cell_km|origin_lat_deg|origin_lon_deg))\s*=\s*(\S+)", line)
    if m: v[m.group(1)] = float(m.group(2))
lat0, lon0 = v["grid.origin_lat_deg"], v["grid.origin_lon_deg"]
wk, hk = v["grid.width"] * v["grid.cell_km"], v["grid.height"] * v["grid.cell_km"]
lat1 = lat0 + hk / 111.3
lon1 = lon0 + wk / (111.3 * math.cos(math.radians(max(abs(lat0), abs(lat1)))))
mx, my = 0.15 * (lon1 - lon0), 0.15 * (lat1 - lat0)
print(f"{lon0 - mx:.3f} {lon1 + mx:.3f} {lat0 - my:.3f} {lat1 + my:.3f}")')
  region="$w/$e/$s/$n"
  gmt coast -R"$region" -Dh -A1 -W -M > "/tmp/coast_$name.txt"
  gmt coast -R"$region" -Dh -A1 -N1 -M > "/tmp/border_$name.txt"
  /usr/bin/python3 - "$name" "$region" "/tmp/coast_$name.txt" "/tmp/border_$name.txt" "$out/$name.json" <<'PY'
import json, sys
name, region, coast, border, dest = sys.argv[1:]
def segments(path):
    segs, cur = [], []
    for line in open(path):
        if line.startswith(">"):
            if len(cur) > 1: segs.append(cur)
            cur = []
        elif line.strip():
            lon, lat = map(float, line.split()[:2])
            cur.append([round(lon, 4), round(lat, 4)])
    if len(cur) > 1: segs.append(cur)
    return segs
w, e, s, n = map(float, region.split("/"))
doc = {"name": name, "box_lon_lat": [w, e, s, n],
       "source": "GSHHG 2.3 high resolution (features of 1 km² or more), extracted with GMT `gmt coast -Dh -A1 -W -M` / `-N1 -M` "
                 "(scripts/make_coastlines.sh); LGPL-3+, see LICENSE.GSHHG",
       "coastline": segments(coast), "borders": segments(border)}
with open(dest, "w") as f:
    json.dump(doc, f, separators=(",", ":"))
print(f"make_coastlines: {dest}: {len(doc['coastline'])} coastline and {len(doc['borders'])} border segments, "
      f"{sum(map(len, doc['coastline'])) + sum(map(len, doc['borders']))} points")
PY
done
