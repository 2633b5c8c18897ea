"""An interactive explorer: one self-contained, offline HTML file per run, sweep or experiment
(biocluster-explore PATH -o FILE.html; docs/PYTHON.md, "The explorer").

The page holds its data as JSON and draws with hand-written JavaScript and SVG (no library, no
network): a time-series chart, a map of the clusters (on the real coastline when the scenario places
its grid on the Earth) and a table, linked — the time slider moves the chart's cursor, the map's
bubbles and the table; clicking a region on the map or in the table shows or hides its line — with
selectors for the metric, the regions and groups (capital area, elsewhere, all) and, for an
experiment, the variant. A sweep's page shows its design and each metric across the points, with
95% intervals. The page reports its own state in <body data-explorer="ready|error"> and lists any
script error in #errors, so a headless browser can check it (tests: python/tests/test_explorer.py).
"""
from __future__ import annotations

import argparse
import html
import json
import math
import os
import sys

import numpy as np
import pandas as pd

from . import _cli
from . import data as bd
from . import geo

PROG = "biocluster-explore"


def _clean(values) -> list:
    """Floats for JSON: NaN and infinities become null; 6 significant digits."""
    out = []
    for v in np.asarray(values, dtype=float).ravel():
        out.append(None if not math.isfinite(v) else float(f"{v:.6g}"))
    return out


def _geography(run, extent) -> dict:
    o = geo.origin(run)
    if o is None:
        return {"coast": [], "borders": [], "degrees": None}
    coast, borders = geo.lines_km(o, extent)

    def pack(segs):
        return [[[round(float(x), 2), round(float(y), 2)] for x, y in seg] for seg in segs]
    return {"coast": pack(coast), "borders": pack(borders), "degrees": {"lat0": o.lat0, "lon0": o.lon0}}


def _regions(run) -> list[dict]:
    out = []
    for _, r in run.regions.iterrows():
        out.append({"name": str(r["name"]), "x": float(r["x_km"]), "y": float(r["y_km"]),
                    "radius": float(r.get("radius_km", 1.0)), "capital": bool(r.get("capital_area", False))})
    return out


def run_payload(run: bd.Run) -> dict:
    """Everything the run page shows: per metric a [time x region] table (per year, or per month for
    runs shorter than three years; flows summed, stocks at the period's end)."""
    if run.level == "summary":
        raise bd.RunFileError(f"'{run.path}' was written with output.level = \"summary\": it holds no time series; "
                              "run again with --set 'output.level=\"series\"' (or events/full)")
    yearly = run.n_steps >= 36
    metrics = {}
    times = None
    for m in run.metrics.index:
        w = run.wide(m)
        kind = run.metrics.loc[m, "kind"]
        if yearly:
            g = w.groupby(w.index.year)
            t = g.sum() if kind == "flow" else g.last()
            labels = [str(int(y)) for y in t.index]
        else:
            t = w
            labels = [f"{d:%Y-%m}" for d in w.index]
        times = labels
        metrics[m] = {"units": str(run.metrics.loc[m, "units"]).replace("/month", "/year" if yearly else "/month")
                      if kind == "flow" else str(run.metrics.loc[m, "units"]),
                      "kind": kind, "additive": bool(run.metrics.loc[m, "additive"]),
                      "description": str(run.metrics.loc[m, "description"]), "values": [_clean(row) for row in t.to_numpy()]}
    W, H, cell = run.grid["width"], run.grid["height"], run.grid["cell_km"]
    extent = (0.0, W * cell, 0.0, H * cell)
    return {"kind": "run", "title": f"Run of {run.attrs.get('scenario_file', run.path)}", "path": run.path,
            "period": "year" if yearly else "month", "times": times or [], "regions": _regions(run),
            "metrics": metrics, "extent": extent, "geo": _geography(run, extent),
            "krw": bd.report_krw_per_usd(run), "first": _first_metric(metrics)}


def _first_metric(metrics: dict) -> str:
    for m in ("startups", "startups_founded", "employment_market"):
        if m in metrics:
            return m
    return next(iter(metrics), "")


def experiment_payload(exp) -> dict:
    """Per outcome (not ratios) and variant: per region and year the mean over replicates, and the mean
    paired difference to the baseline with its 95% interval (all the outcome's regions together).
    Each run file is read once."""
    from .experiment import band, region_columns, yearly
    run0 = exp.load_run(0, 0)
    names = run0.region_names
    outs = [o for o in exp.outcomes.itertuples() if str(o.ratio).lower() != "true"]
    reg = {}    # (outcome, variant) -> region -> [yearly Series per replicate]
    tot = {}    # (outcome, variant) -> [yearly Series of the outcome's regions per replicate]
    for (v, r), path in sorted(exp.files.items()):
        run = bd.load_run(path)
        for o in outs:
            metrics = str(o.metrics).split("+")
            for name in names:
                reg.setdefault((o.outcome, v), {}).setdefault(name, []).append(yearly(run, metrics, [name]))
            tot.setdefault((o.outcome, v), []).append(yearly(run, metrics, region_columns(run, str(o.regions))))
    outcomes, years = {}, []
    for o in outs:
        metrics = str(o.metrics).split("+")
        years = [int(y) for y in tot[(o.outcome, 0)][0].index]
        per_variant, totals = [], {}
        for v in range(len(exp.variants)):
            means = np.array([[float(np.mean([s.loc[y] for s in reg[(o.outcome, v)][name]])) for name in names]
                              for y in years])
            totals[v] = np.array([[float(s.loc[y]) for s in tot[(o.outcome, v)]] for y in years])  # [year x rep]
            per_variant.append({"region_means": [_clean(row) for row in means], "diff": None, "lo": None, "hi": None})
        for v in range(1, len(exp.variants)):
            mean, half = band(pd.DataFrame(totals[v] - totals[0]))
            per_variant[v].update({"diff": _clean(mean), "lo": _clean(mean - half), "hi": _clean(mean + half)})
        outcomes[str(o.name)] = {"metrics": metrics, "regions": str(o.regions), "variants": per_variant,
                                 "units": str(run0.metrics.loc[metrics[0], "units"]).replace("/month", "/year")}
    res = exp.results
    table = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
             for row in res.to_dict(orient="records")]
    W, H, cell = run0.grid["width"], run0.grid["height"], run0.grid["cell_km"]
    extent = (0.0, W * cell, 0.0, H * cell)
    return {"kind": "experiment", "title": f"Experiment {os.path.basename(os.path.normpath(exp.dir))}",
            "path": exp.dir, "variants": exp.variants, "replicates": exp.n_replicates, "times": years,
            "regions": _regions(run0), "outcomes": outcomes, "results": table, "extent": extent,
            "geo": _geography(run0, extent), "krw": bd.report_krw_per_usd(run0)}


def sweep_payload(sweep) -> dict:
    s = sweep.summary()
    metrics = {}
    for m in sweep.metrics:
        t = s[s["metric"] == m].sort_values("point")
        metrics[m] = {"units": str(sweep.units.get(m, "")), "mean": _clean(t["mean"]), "lo": _clean(t["ci_lo"]),
                      "hi": _clean(t["ci_hi"]), "n": [int(x) for x in t["n"]]}
    design = []
    for _, row in sweep.design.iterrows():
        design.append({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return {"kind": "sweep", "title": f"Sweep {os.path.basename(os.path.normpath(sweep.dir))} ({sweep.design_name})",
            "path": sweep.dir, "factors": list(sweep.factors), "design": design, "points": sweep.n_points,
            "replicates": sweep.replicates, "metrics": metrics}


# ------------------------------------------------------------------------------------------------
CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 20px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:19px;margin:0 0 4px}
.sub{color:#666;font-size:12.5px}
.controls{display:flex;flex-wrap:wrap;gap:14px;align-items:center;padding:10px 20px;background:#fff;border-bottom:1px solid #eee}
.controls label{font-size:13px;color:#444}
select{font-size:13px;max-width:340px}
#grid{display:grid;grid-template-columns:minmax(420px,1.3fr) minmax(320px,1fr);gap:14px;padding:14px 20px}
.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 10px}
.panel h2{font-size:14px;margin:2px 0 6px;color:#333}
svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:3px 6px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
tr.off td{color:#aaa}
tr.sel{cursor:pointer}
#errors{color:#b00020;padding:0 20px;font-family:monospace}
.legend span{display:inline-block;margin-right:10px;font-size:12px}
.legend i{display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle}
#tablewrap{grid-column:1 / span 2}
"""

JS = r"""
(function(){
"use strict";
const D = JSON.parse(document.getElementById('data').textContent);
const errs = document.getElementById('errors');
function fail(msg){ document.body.dataset.explorer = 'error'; errs.textContent += msg + '\n'; }
window.addEventListener('error', e => fail('script error: ' + e.message));
const COLORS = ['#0072B2','#E69F00','#009E73','#CC79A7','#56B4E9','#D55E00','#F0E442','#000000','#999999','#882255'];
const GROUPS = [['capital area', r => r.capital], ['elsewhere', r => !r.capital], ['all regions', r => true]];
const SVGNS = 'http://www.w3.org/2000/svg';
function el(tag, attrs, parent){ const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]); if (parent) parent.appendChild(e); return e; }
function fmt(v){ if (v === null || v === undefined || !isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  if (a >= 1e9) return (v/1e9).toFixed(2) + ' bn'; if (a >= 1e6) return (v/1e6).toFixed(2) + ' M';
  if (a >= 1e4) return Math.round(v).toLocaleString('en'); if (a >= 10) return v.toFixed(1);
  return v.toPrecision(3); }
function money(v, units){ if (!/USD/.test(units || '') || !D.krw || v === null) return fmt(v);
  const k = v * D.krw; const a = Math.abs(k);
  if (a >= 1e12) return (k/1e12).toFixed(2) + '조 KRW'; if (a >= 1e8) return Math.round(k/1e8).toLocaleString('en') + '억 KRW';
  return Math.round(k).toLocaleString('en') + ' KRW'; }
function unitsOf(units){ return (D.krw && /USD/.test(units || '')) ? units.replace('USD', 'KRW (shown in 억/조)') : units; }
const regions = D.regions || [];
const shown = new Set();  // series shown: region names and group names

// ---------------------------------------------------------------- the chart
function chart(svg, times, series, cursor, yLabel, onPick){
  svg.innerHTML = ''; const W = 640, H = 330, L = 62, R = 14, T = 14, B = 38;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const arr of [s.v, s.lo, s.hi]) if (arr) for (const v of arr) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!isFinite(lo)) { lo = 0; hi = 1; } if (lo > 0 && lo < 0.5 * hi) lo = 0; if (hi === lo) hi = lo + 1;
  const pad = 0.05 * (hi - lo); lo -= (lo === 0 ? 0 : pad); hi += pad;
  const n = times.length, X = i => L + (n > 1 ? i / (n - 1) : 0.5) * (W - L - R), Y = v => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  el('rect', {x: L, y: T, width: W - L - R, height: H - T - B, fill: '#fff', stroke: '#ccc'}, svg);
  for (let k = 0; k <= 4; k++) { const v = lo + k * (hi - lo) / 4, y = Y(v);
    el('line', {x1: L, x2: W - R, y1: y, y2: y, stroke: '#eee'}, svg);
    const t = el('text', {x: L - 5, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#555'}, svg); t.textContent = fmt(v); }
  const step = Math.max(1, Math.ceil(n / 8));
  for (let i = 0; i < n; i += step) { const t = el('text', {x: X(i), y: H - B + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#555'}, svg); t.textContent = times[i]; }
  const yl = el('text', {x: 12, y: T + (H - T - B) / 2, 'font-size': 11, fill: '#555', transform: `rotate(-90 12 ${T + (H - T - B) / 2})`, 'text-anchor': 'middle'}, svg);
  yl.textContent = yLabel;
  if (lo < 0 && hi > 0) el('line', {x1: L, x2: W - R, y1: Y(0), y2: Y(0), stroke: '#999'}, svg);
  for (const s of series) {
    if (s.lo && s.hi) { let d = ''; for (let i = 0; i < n; i++) if (s.hi[i] !== null) d += (d ? 'L' : 'M') + X(i) + ',' + Y(s.hi[i]);
      for (let i = n - 1; i >= 0; i--) if (s.lo[i] !== null) d += 'L' + X(i) + ',' + Y(s.lo[i]);
      if (d) el('path', {d: d + 'Z', fill: s.color, 'fill-opacity': 0.18, stroke: 'none', class: 'band'}, svg); }
    let d = ''; for (let i = 0; i < n; i++) if (s.v[i] !== null) d += (d ? 'L' : 'M') + X(i) + ',' + Y(s.v[i]);
    if (d) el('path', {d, fill: 'none', stroke: s.color, 'stroke-width': s.width || 2, 'stroke-dasharray': s.dash || '', class: 'series'}, svg);
  }
  if (cursor !== null) el('line', {x1: X(cursor), x2: X(cursor), y1: T, y2: H - B, stroke: '#333', 'stroke-dasharray': '3,3'}, svg);
  const hit = el('rect', {x: L, y: T, width: W - L - R, height: H - T - B, fill: 'transparent', style: 'cursor:crosshair'}, svg);
  hit.addEventListener('click', ev => { const b = svg.getBoundingClientRect(); const x = (ev.clientX - b.left) * W / b.width;
    onPick(Math.max(0, Math.min(n - 1, Math.round((x - L) / (W - L - R) * (n - 1))))); });
}

// ---------------------------------------------------------------- the map
function map(svg, values, label, onToggle){
  svg.innerHTML = ''; const [x0, x1, y0, y1] = D.extent; const hasGeo = D.geo && D.geo.coast.length;
  const mx = hasGeo ? 0.12 * (x1 - x0) : 0.04 * (x1 - x0), my = hasGeo ? 0.12 * (y1 - y0) : 0.04 * (y1 - y0);
  const vx0 = x0 - mx, vx1 = x1 + mx, vy0 = y0 - my, vy1 = y1 + my, W = 460, H = Math.max(200, Math.min(620, W * (vy1 - vy0) / (vx1 - vx0)));
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const s = Math.min(W / (vx1 - vx0), H / (vy1 - vy0)), X = x => (x - vx0) * s, Y = y => H - (y - vy0) * s;
  el('rect', {x: 0, y: 0, width: W, height: H, fill: hasGeo ? '#f4f8fb' : '#fff'}, svg);
  el('rect', {x: X(x0), y: Y(y1), width: (x1 - x0) * s, height: (y1 - y0) * s, fill: 'none', stroke: '#aaa', 'stroke-dasharray': '6,3'}, svg);
  if (D.geo) { for (const [segs, col, dash] of [[D.geo.coast, '#24445c', ''], [D.geo.borders, '#6b6b6b', '4,2']])
    for (const seg of segs) { let d = ''; for (const p of seg) d += (d ? 'L' : 'M') + X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1);
      el('path', {d, fill: 'none', stroke: col, 'stroke-width': 1, 'stroke-dasharray': dash, class: 'coast'}, svg); } }
  const peak = Math.max(1e-12, ...values.map(v => Math.abs(v || 0)));
  regions.forEach((r, i) => { const v = values[i];
    const rad = 4 + 26 * Math.sqrt(Math.abs(v || 0) / peak), on = shown.has(r.name);
    const c = el('circle', {cx: X(r.x), cy: Y(r.y), r: rad, fill: v < 0 ? '#D55E00' : COLORS[i % COLORS.length], 'fill-opacity': on ? 0.55 : 0.18,
      stroke: COLORS[i % COLORS.length], 'stroke-width': on ? 2 : 1, style: 'cursor:pointer', class: 'bubble'}, svg);
    c.addEventListener('click', () => onToggle(r.name));
    const right = X(r.x) < 0.68 * W;
    const t = el('text', {x: right ? X(r.x) + rad + 3 : X(r.x) - rad - 3, y: Y(r.y) + 4, 'text-anchor': right ? 'start' : 'end',
      'font-size': 11.5, 'font-weight': 'bold', fill: COLORS[i % COLORS.length],
      stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke'}, svg);
    t.textContent = r.name + ': ' + label(v); });
}

// ---------------------------------------------------------------- pages
function controls(html){ const c = document.getElementById('controls'); c.innerHTML = html; return c; }
function options(list, sel){ return list.map(x => `<option value="${x}"${x === sel ? ' selected' : ''}>${x}</option>`).join(''); }
function legend(series){ return '<div class="legend">' + series.map(s => `<span><i style="background:${s.color}"></i>${s.name}</span>`).join('') + '</div>'; }

function runPage(){
  const names = Object.keys(D.metrics).sort(); let metric = D.first, t = D.times.length - 1;
  regions.forEach(r => shown.add(r.name));
  const hasGroups = regions.some(r => r.capital) && regions.some(r => !r.capital);
  controls(`<label>metric <select id="metric">${options(names, metric)}</select></label>
    <label>${D.period} <input id="time" type="range" min="0" max="${D.times.length - 1}" value="${t}"> <b id="timel"></b></label>`);
  const gseries = (m, idx) => { const M = D.metrics[m]; return M.values.map(row => { const vals = regions.map((r, i) => idx(r) ? row[i] : null).filter(v => v !== null);
      if (!vals.length) return null; const s = vals.reduce((a, b) => a + b, 0); return M.additive ? s : s / vals.length; }); };
  function draw(){
    const M = D.metrics[metric]; document.getElementById('timel').textContent = D.times[t];
    const series = [];
    regions.forEach((r, i) => { if (shown.has(r.name)) series.push({name: r.name, color: COLORS[i % COLORS.length], v: M.values.map(row => row[i])}); });
    if (hasGroups) GROUPS.forEach(([g, f], k) => { if (shown.has(g)) series.push({name: g, color: ['#333', '#777', '#000'][k], dash: k === 2 ? '' : '6,3', width: 2.5, v: gseries(metric, f)}); });
    document.getElementById('charttitle').innerHTML = `${metric} <span class="sub">(${unitsOf(M.units)}; ${M.kind === 'flow' ? 'sum per ' + D.period : D.period + '-end value'}) — ${M.description}</span>` + legend(series);
    chart(document.getElementById('chart'), D.times, series, t, unitsOf(M.units), i => { t = i; document.getElementById('time').value = i; draw(); });
    map(document.getElementById('map'), M.values[t], v => money(v, M.units), name => { shown.has(name) ? shown.delete(name) : shown.add(name); draw(); });
    document.getElementById('maptitle').textContent = `${metric} in ${D.times[t]} (bubble area ∝ value; click a cluster to show or hide its line)`;
    let rows = regions.map((r, i) => [r.name, M.values[t][i], M.values.reduce((a, row) => a + (row[i] || 0), 0)]);
    if (hasGroups) GROUPS.forEach(([g, f]) => { const s = gseries(metric, f); rows.push([g, s[t], s.reduce((a, v) => a + (v || 0), 0)]); });
    const total = M.kind === 'flow' ? 'total over the run' : '';
    document.getElementById('table').innerHTML = `<tr><th>region / group</th><th>${D.times[t]}</th>${total ? '<th>' + total + '</th>' : ''}</tr>` +
      rows.map(([n, v, s]) => `<tr class="sel${shown.has(n) ? '' : ' off'}" data-n="${n}"><td>${n}</td><td>${money(v, M.units)}</td>${total ? '<td>' + money(s, M.units) + '</td>' : ''}</tr>`).join('');
    document.querySelectorAll('#table tr.sel').forEach(tr => tr.addEventListener('click', () => { const n = tr.dataset.n; shown.has(n) ? shown.delete(n) : shown.add(n); draw(); }));
  }
  document.getElementById('metric').addEventListener('change', e => { metric = e.target.value; draw(); });
  document.getElementById('time').addEventListener('input', e => { t = +e.target.value; draw(); });
  draw();
}

function experimentPage(){
  regions.forEach(r => shown.add(r.name));
  const outs = Object.keys(D.outcomes); let out = outs[0], v = Math.min(1, D.variants.length - 1), t = D.times.length - 1;
  controls(`<label>outcome <select id="outcome">${options(outs, out)}</select></label>
    <label>variant <select id="variant">${D.variants.slice(1).map((x, i) => `<option value="${i + 1}">${x}</option>`).join('')}</select></label>
    <label>year <input id="time" type="range" min="0" max="${D.times.length - 1}" value="${t}"> <b id="timel"></b></label>`);
  function draw(){
    const O = D.outcomes[out], V = O.variants[v], B = O.variants[0]; document.getElementById('timel').textContent = D.times[t];
    const series = V && V.diff ? [{name: D.variants[v] + ' − ' + D.variants[0] + ' (paired mean, 95% band)', color: '#009E73', v: V.diff, lo: V.lo, hi: V.hi}] : [];
    document.getElementById('charttitle').innerHTML = `${out}: ${D.variants[v] || ''} against ${D.variants[0]} <span class="sub">(${unitsOf(O.units)}; regions: ${O.regions}; ${D.replicates} paired replicates)</span>` + legend(series);
    chart(document.getElementById('chart'), D.times.map(String), series, t, 'difference, ' + unitsOf(O.units), i => { t = i; document.getElementById('time').value = i; draw(); });
    const diff = regions.map((r, i) => (V.region_means[t][i] ?? NaN) - (B.region_means[t][i] ?? NaN));
    map(document.getElementById('map'), diff, x => (x > 0 ? '+' : '') + money(x, O.units), () => {});
    document.getElementById('maptitle').textContent = `${out}, ${D.times[t]}: variant − baseline per cluster (means over replicates; orange: a fall)`;
    const rows = D.results.filter(r => r.variant === D.variants[v]);
    document.getElementById('table').innerHTML = '<tr><th>outcome (end of run)</th><th>baseline</th><th>variant − baseline</th><th>95% interval</th></tr>' +
      rows.map(r => `<tr><td>${r.outcome}</td><td>${fmt(r.baseline_mean)}</td><td>${fmt(r.diff_mean)}</td><td>${fmt(r.diff_ci_low)} … ${fmt(r.diff_ci_high)}</td></tr>`).join('');
  }
  document.getElementById('outcome').addEventListener('change', e => { out = e.target.value; draw(); });
  document.getElementById('variant').addEventListener('change', e => { v = +e.target.value; draw(); });
  document.getElementById('time').addEventListener('input', e => { t = +e.target.value; draw(); });
  draw();
}

function sweepPage(){
  const names = Object.keys(D.metrics); let metric = names[0], p = 0;
  document.getElementById('mappanel').style.display = 'none';
  document.getElementById('chartpanel').style.gridColumn = '1 / span 2';
  controls(`<label>metric <select id="metric">${options(names, metric)}</select></label>
    <label>point <input id="time" type="range" min="0" max="${D.points - 1}" value="0"> <b id="timel"></b></label>`);
  function draw(){
    const M = D.metrics[metric]; document.getElementById('timel').textContent = p;
    const pts = D.design.map(d => String(d.point));
    const series = [{name: 'mean over replicates, 95% interval', color: '#0072B2', v: M.mean, lo: M.lo, hi: M.hi}];
    document.getElementById('charttitle').innerHTML = `${metric} across the design points <span class="sub">(${unitsOf(M.units)}; ${D.replicates} replicates per point)</span>` + legend(series);
    chart(document.getElementById('chart'), pts, series, p, unitsOf(M.units), i => { p = i; document.getElementById('time').value = i; draw(); });
    document.getElementById('table').innerHTML = `<tr><th>point</th>${D.factors.map(f => '<th>' + f + '</th>').join('')}<th>n</th><th>${metric}</th><th>95% interval</th></tr>` +
      D.design.map((d, i) => `<tr class="sel${i === p ? '' : ' off'}" data-i="${i}"><td>${d.point}</td>${D.factors.map(f => '<td>' + fmt(d[f]) + '</td>').join('')}<td>${M.n[i]}</td><td>${money(M.mean[i], M.units)}</td><td>${money(M.lo[i], M.units)} … ${money(M.hi[i], M.units)}</td></tr>`).join('');
    document.querySelectorAll('#table tr.sel').forEach(tr => tr.addEventListener('click', () => { p = +tr.dataset.i; document.getElementById('time').value = p; draw(); }));
  }
  document.getElementById('metric').addEventListener('change', e => { metric = e.target.value; draw(); });
  document.getElementById('time').addEventListener('input', e => { p = +e.target.value; draw(); });
  draw();
}

try {
  ({run: runPage, experiment: experimentPage, sweep: sweepPage})[D.kind]();
  if (document.body.dataset.explorer !== 'error') document.body.dataset.explorer = 'ready';
} catch (e) { fail('script error: ' + e.message); }
})();
"""


def render(payload: dict) -> str:
    e = html.escape
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    sub = {"run": "time series, map and table of one run",
           "experiment": f"{len(payload.get('variants', []))} variants × {payload.get('replicates', 0)} paired replicates",
           "sweep": f"{payload.get('points', 0)} points × {payload.get('replicates', 0)} replicates"}[payload["kind"]]
    cur = "amounts in KRW (억 = 10^8, 조 = 10^12)" if payload.get("krw") else "amounts in USD"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(payload['title'])} — biocluster explorer</title><style>{CSS}</style></head>
<body data-explorer="loading">
<header><h1>{e(payload['title'])}</h1><div class="sub">{e(sub)}; {cur}; {e(str(payload.get('path', '')))} —
offline page written by biocluster-explore</div></header>
<div id="controls" class="controls"></div>
<div id="errors"></div>
<div id="grid">
<div class="panel" id="chartpanel"><h2 id="charttitle"></h2><svg id="chart" role="img" aria-label="chart"></svg></div>
<div class="panel" id="mappanel"><h2 id="maptitle"></h2><svg id="map" role="img" aria-label="map"></svg></div>
<div class="panel" id="tablewrap"><table id="table"></table></div>
</div>
<script type="application/json" id="data">{data}</script>
<script>{JS}</script>
</body></html>
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description="One self-contained offline HTML explorer for a run file, a "
                                 "sweep directory or an experiment's --save-runs directory.")
    ap.add_argument("path", help="a run file (.h5), a sweep directory (or its index.h5), or an experiment's "
                                 "--save-runs directory")
    ap.add_argument("-o", "--output", metavar="FILE.html", help="where to write it (default: PATH's name + "
                    "'.explorer.html' beside it, or DIR/explorer.html)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    kind = _cli.kind_of(a.path)
    try:
        if kind == "run":
            payload = run_payload(bd.load_run(a.path))
        elif kind == "sweep":
            payload = sweep_payload(bd.load_sweep(a.path))
        else:
            from .experiment import load_experiment
            payload = experiment_payload(load_experiment(a.path))
    except bd.RunFileError as err:
        _cli.die(PROG, err)
    out = a.output or (os.path.join(a.path, "explorer.html") if os.path.isdir(a.path)
                       else os.path.splitext(a.path)[0] + ".explorer.html")
    _cli.writable_dir(PROG, os.path.dirname(os.path.abspath(out)))
    text = render(payload)
    try:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as err:
        _cli.die(PROG, f"cannot write '{out}': {err.strerror or err}", 3)
    if not a.quiet:
        print(f"{PROG}: wrote {out} ({len(text) / 1e6:.1f} MB, {kind})")
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(PROG, "explorer"))
