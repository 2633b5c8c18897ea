"""biocluster-explore: one offline HTML page per run, sweep and experiment, opened in headless
Chromium (Debian's chromium; scripts/bootstrap.sh installs it): the page reports itself ready with
no script error and no console error, draws its chart (and map) as SVG, and a screenshot shows
coloured lines and bubbles where the chart and the map are."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import BIN, sh

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium(*args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("no chromium: run scripts/bootstrap.sh (Debian's chromium package)")
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--enable-logging=stderr", "--v=0", *args], capture_output=True, text=True, timeout=120)


def coloured_share(png, box):
    """Share of pixels in box (fractions x0, y0, x1, y1 of the image) that are saturated colours."""
    from PIL import Image
    im = Image.open(png).convert("RGB")
    w, h = im.size
    crop = im.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    px = list(crop.getdata())
    return sum(1 for r, g, b in px if max(r, g, b) - min(r, g, b) > 60) / max(1, len(px))


@pytest.mark.parametrize("what", ["run", "experiment", "sweep"])
def test_explorer_page_renders_in_chromium(what, korea_run, experiment_dir, sweep_dir, tmp_path):
    src = {"run": korea_run, "experiment": experiment_dir, "sweep": sweep_dir}[what]
    page = tmp_path / f"{what}.html"
    r = sh([os.path.join(BIN, "biocluster-explore"), src, "-o", str(page)])
    assert r.returncode == 0, r.stderr
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text  # offline
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-explorer="ready"' in dom.stdout, re.findall(r'<div id="errors">[^<]*', dom.stdout)
    assert re.search(r'<div id="errors">\s*</div>', dom.stdout)
    console = [l for l in dom.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert not console, console
    assert dom.stdout.count('class="series"') >= 1
    if what != "sweep":
        assert dom.stdout.count('class="bubble"') >= 2
    if what == "run":  # Korea: the coastline is drawn
        assert dom.stdout.count('class="coast"') > 10
    shot = tmp_path / f"{what}.png"
    r = chromium("--window-size=1400,1100", f"--screenshot={shot}", page.as_uri())
    assert r.returncode == 0 and shot.stat().st_size > 10_000, r.stderr[-2000:]
    assert coloured_share(shot, (0.02, 0.15, 0.55, 0.58)) > 0.003  # the chart's lines
    if what != "sweep":
        assert coloured_share(shot, (0.57, 0.15, 0.98, 0.65)) > 0.01  # the map's bubbles


def test_explorer_bad_input(tmp_path):
    r = sh([os.path.join(BIN, "biocluster-explore"), str(tmp_path / "none.h5"), "-o", str(tmp_path / "x.html")])
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "none.h5" in r.stderr


def test_korea_experiment_report_for_a_director(korea_experiment_dir, tmp_path):
    """Findings first, amounts in KRW, Korea's clusters on the real coastline, time plots with bands
    and the capital area against elsewhere; then the page renders in Chromium with its figures."""
    out = tmp_path / "gp"
    r = sh([os.path.join(BIN, "biocluster-report"), korea_experiment_dir, "-o", str(out)])
    assert r.returncode == 0, r.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    heads = re.findall(r"<h2>([^<]*)", html)
    assert heads[0] == "Findings" and heads.index("Figures") > 0, heads
    assert "KRW" in html and ("억" in html or "조" in html)
    for fig in ("map_changes.png", "capital_area.png", "forest.png"):
        assert fig in html and (out / fig).stat().st_size > 20_000, fig
    assert re.search(r"time_v1(_1)?\.png", html)  # outcomes over time with their 95% bands
    assert "GSHHG" in html
    shot = tmp_path / "gp.png"
    r = chromium("--window-size=1400,2600", f"--screenshot={shot}", (out / "report.html").as_uri())
    assert r.returncode == 0 and not [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert coloured_share(shot, (0.0, 0.0, 1.0, 1.0)) > 0.002  # the figures are drawn (a page without them: ~0)


@pytest.mark.parametrize("what", ["run", "sweep", "experiment"])
def test_report_renders_in_chromium(what, korea_run, sweep_dir, experiment_dir, tmp_path):
    """Each of the three report types opens in headless Chromium without console errors and shows its
    figures (images load: coloured pixels on the page)."""
    src = {"run": korea_run, "sweep": sweep_dir, "experiment": experiment_dir}[what]
    out = tmp_path / what
    extra = ["--no-gif"] if what == "run" else []
    r = sh([os.path.join(BIN, "biocluster-report"), src, "-o", str(out), *extra])
    assert r.returncode == 0, r.stderr
    page = (out / "report.html").as_uri()
    dom = chromium("--dump-dom", page)
    assert dom.returncode == 0 and "<h1>" in dom.stdout
    assert not [l for l in dom.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l or "ERR_FILE_NOT_FOUND" in l]
    shot = tmp_path / f"{what}.png"
    # The run report's summary table is long: its window reaches past it to the first figures.
    height = 9000 if what == "run" else 6000
    r = chromium(f"--window-size=1400,{height}", f"--screenshot={shot}", page)
    assert r.returncode == 0, r.stderr[-2000:]
    assert coloured_share(shot, (0.0, 0.0, 1.0, 1.0)) > 0.002  # its figures load and are drawn
