"""The Earth under a run's grid: the grid's origin, the projection of the scenario (MODEL.md §8,
"grid": x = (lon - lon0) * 111.3 * cos(lat), y = (lat - lat0) * 111.3 km), and the coastline and
border extracts shipped in geodata/ (GSHHG 2.3 high resolution, LGPL-3+; scripts/make_coastlines.sh)."""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

KM_PER_DEGREE = 111.3  # = kKmPerDegree in agents/params.hpp
NOT_GIVEN = -999.0
GEODATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "geodata")


@dataclass(frozen=True)
class Origin:
    lat0: float
    lon0: float

    def to_km(self, lon, lat):
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        return (lon - self.lon0) * KM_PER_DEGREE * np.cos(np.radians(lat)), (lat - self.lat0) * KM_PER_DEGREE

    def lat_of(self, y_km):
        return self.lat0 + np.asarray(y_km, dtype=float) / KM_PER_DEGREE

    def lon_of(self, x_km, lat):
        return self.lon0 + np.asarray(x_km, dtype=float) / (KM_PER_DEGREE * np.cos(np.radians(lat)))


def origin(run) -> Origin | None:
    """The grid's (0, 0) corner on the Earth, or None for an abstract grid (or a file written before
    scenarios could place their grid)."""
    lat0 = run.param("grid.origin_lat_deg", NOT_GIVEN)
    lon0 = run.param("grid.origin_lon_deg", NOT_GIVEN)
    try:
        lat0, lon0 = float(lat0), float(lon0)
    except (TypeError, ValueError):
        return None
    if lat0 == NOT_GIVEN or lon0 == NOT_GIVEN:
        return None
    return Origin(lat0, lon0)


@lru_cache(maxsize=None)
def _extracts() -> tuple[dict, ...]:
    out = []
    if os.path.isdir(GEODATA):
        for fn in sorted(os.listdir(GEODATA)):
            if fn.endswith(".json"):
                with open(os.path.join(GEODATA, fn), encoding="utf-8") as f:
                    out.append(json.load(f))
    return tuple(out)


def lines_km(o: Origin, extent_km: tuple[float, float, float, float]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(coastlines, borders) that cross the grid, each a list of [n, 2] arrays of (x_km, y_km), from
    every shipped extract whose box overlaps the grid's. Empty where no extract covers the grid."""
    x0, x1, y0, y1 = extent_km
    lat_lo, lat_hi = float(o.lat_of(y0)), float(o.lat_of(y1))
    lon_lo = float(min(o.lon_of(x0, lat_lo), o.lon_of(x0, lat_hi)))
    lon_hi = float(max(o.lon_of(x1, lat_lo), o.lon_of(x1, lat_hi)))
    coast, border = [], []
    for ex in _extracts():
        w, e, s, n = ex["box_lon_lat"]
        if e < lon_lo or w > lon_hi or n < lat_lo or s > lat_hi:
            continue
        for key, dest in (("coastline", coast), ("borders", border)):
            for seg in ex[key]:
                a = np.asarray(seg, dtype=float)
                x, y = o.to_km(a[:, 0], a[:, 1])
                dest.append(np.column_stack([x, y]))
    return coast, border


def covered(o: Origin, extent_km) -> bool:
    """True if a shipped extract covers the grid (the map can draw a coastline)."""
    x0, x1, y0, y1 = extent_km
    lat, lon = float(o.lat_of(0.5 * (y0 + y1))), float(o.lon_of(0.5 * (x0 + x1), o.lat_of(0.5 * (y0 + y1))))
    return any(ex["box_lon_lat"][0] <= lon <= ex["box_lon_lat"][1] and ex["box_lon_lat"][2] <= lat <= ex["box_lon_lat"][3]
               for ex in _extracts())


def degree_ticks(lo: float, hi: float, target: int = 5) -> np.ndarray:
    """Round tick positions in degrees between lo and hi (steps of 1, 0.5, 0.25, 0.1 or 0.05 degrees)."""
    span = max(hi - lo, 1e-9)
    step = next((s for s in (1.0, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01) if span / s >= target - 1), 0.01)
    return np.arange(math.ceil(lo / step) * step, hi + 1e-9, step)


def fmt_lat(v: float) -> str:
    return f"{abs(v):.2f}".rstrip("0").rstrip(".") + ("°N" if v >= 0 else "°S")


def fmt_lon(v: float) -> str:
    return f"{abs(v):.2f}".rstrip("0").rstrip(".") + ("°E" if v >= 0 else "°W")
