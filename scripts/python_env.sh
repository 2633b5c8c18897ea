#!/usr/bin/env bash
# The Python side of the set-up (called by scripts/bootstrap.sh): a virtual environment at .venv made
# with --system-site-packages over Debian's numpy, pandas, h5py, matplotlib, scipy and pytest, and
# the biocluster package (python/) installed into it in editable mode, with its console entry points
# (.venv/bin/biocluster-report, biocluster-plot-run, ...). Nothing is fetched from the network: pip runs
# with --no-index --no-build-isolation --no-deps over Debian's setuptools. Does nothing when .venv is
# already up to date with python/pyproject.toml. BIOCLUSTER_VENV=DIR puts it elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${BIOCLUSTER_VENV:-.venv}
stamp="$venv/.biocluster-installed"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$stamp" -nt python/pyproject.toml ] &&
   "$venv/bin/python" -c "import biocluster" 2>/dev/null; then
  exit 0
fi
echo "python_env: making $venv (system site packages) and installing python/ (editable)"
rm -rf "$venv"
/usr/bin/python3 -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --quiet --no-index --no-build-isolation --no-deps --disable-pip-version-check \
  -e python > "$venv/pip.log" 2>&1 || { cat "$venv/pip.log" >&2; echo "python_env: pip install failed" >&2; exit 1; }
"$venv/bin/python" -c "import biocluster, numpy, pandas, h5py, matplotlib, scipy, pytest" ||
  { echo "python_env: the venv cannot import what biocluster needs; run scripts/bootstrap.sh" >&2; exit 1; }
touch "$stamp"
echo "python_env: $venv/bin/python; commands: $(cd "$venv/bin" && ls biocluster-* | tr '\n' ' ')"
