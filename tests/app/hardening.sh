#!/usr/bin/env bash
# Regression tests of issue #14 (hardening II): each case reproduces a failure an adversarial user
# found — a crash, a hang, a file replaced that was not ours, a silently wrong index — and checks
# the clear error (or the working behaviour) that replaced it. Error texts: docs/TROUBLESHOOTING.md.
# Usage: hardening.sh BIOCLUSTER SOURCE_DIR WORK_DIR CASE
set -euo pipefail
bin=$1; src=$2; work=$3; case=$4
py=/usr/bin/python3
sweeps="$src/tests/data/sweeps"
scenario="$src/scenarios/default.toml"
rm -rf "$work"; mkdir -p "$work"; cd "$work"

fail() { echo "FAIL: $*"; exit 1; }
# expect RC PATTERN -- CMD...: runs CMD (60 s at most), checks its exit code and that its stderr+stdout has PATTERN.
expect() {
  local want=$1 pat=$2; shift 3
  set +e; out=$(timeout -s KILL 60 "$@" 2>&1); rc=$?; set -e
  [ "$rc" -eq "$want" ] || fail "exit $rc (expected $want) from: $*"$'\n'"$out"
  grep -qF -- "$pat" <<<"$out" || fail "message lacks '$pat' from: $*"$'\n'"$out"
}

case "$case" in
  concurrent_sweeps)
    # Item 1: two sweeps on one directory at once. One must finish, the other refuse at once (exit 3,
    # naming the other process); no crash, and the index of the finished one is complete.
    "$bin" sweep "$sweeps/resume.toml" -o d -q --threads 1 & p1=$!
    for _ in $(seq 1 200); do [ -e d/.lock ] && break; sleep 0.02; done
    set +e; out=$("$bin" sweep "$sweeps/resume.toml" -o d -q --threads 1 2>&1); rc2=$?; wait $p1; rc1=$?; set -e
    [ $rc1 -eq 0 ] || fail "first sweep exited $rc1"
    [ $rc2 -eq 3 ] || fail "second sweep exited $rc2 (expected 3): $out"
    grep -q "being written by another biocluster process (pid $p1" <<<"$out" || fail "second sweep's message: $out"
    [ "$(grep -c ',done,' d/index.csv)" -eq 12 ] || fail "index incomplete: $(cat d/index.csv)"
    ls d/runs | grep -q partial && fail "partial files left: $(ls d/runs)"
    # A shard of the same directory is refused while the full sweep holds it, and two shards may share it.
    "$bin" sweep "$sweeps/resume.toml" -o s -q --shard 0/2 & p1=$!
    "$bin" sweep "$sweeps/resume.toml" -o s -q --shard 1/2; wait $p1
    "$bin" sweep-merge s -q
    [ "$(grep -c ',done,' s/index.csv)" -eq 12 ] || fail "sharded index incomplete"
    echo "concurrent sweeps: the second exits 3 naming pid $p1; the first completes; two shards share a directory"
    ;;
  concurrent_runs)
    # Item 2: two runs with the same -o at once. The second refuses at once (exit 3), the first finishes.
    "$bin" run "$scenario" --steps 240 -q -o r.h5 & p1=$!
    for _ in $(seq 1 200); do [ -e r.h5.partial ] && break; sleep 0.02; done
    expect 3 "being written by another biocluster process (pid $p1" -- "$bin" run "$scenario" --steps 12 -q -o r.h5
    wait $p1 || fail "first run failed"
    "$py" "$src/tests/app/check_run_file.py" r.h5 240
    echo "concurrent runs: the second exits 3 naming pid $p1; the first completes"
    ;;
  output_replace)
    # Item 3: -o replaces only an earlier complete run file; anything else needs --force.
    echo "my notes" > notes.txt
    expect 3 "is not a biocluster run file" -- "$bin" run "$scenario" --steps 2 -q -o notes.txt
    [ "$(cat notes.txt)" = "my notes" ] || fail "notes.txt was changed"
    [ ! -e notes.txt.partial ] || fail "a .partial was left for a refused output"
    ln -s notes.txt link.h5
    expect 3 "is a symbolic link" -- "$bin" run "$scenario" --steps 2 -q -o link.h5
    [ -L link.h5 ] && [ "$(cat notes.txt)" = "my notes" ] || fail "the symlink or its target was changed"
    mkfifo fifo.h5
    expect 3 "is not a regular file" -- "$bin" run "$scenario" --steps 2 -q -o fifo.h5
    [ -p fifo.h5 ] || fail "the FIFO was replaced"
    mkdir dir.h5
    expect 3 "is not a regular file" -- "$bin" run "$scenario" --steps 2 -q -o dir.h5
    ln -s notes.txt stale.h5.partial
    expect 3 "is a symbolic link" -- "$bin" run "$scenario" --steps 2 -q -o stale.h5
    [ "$(cat notes.txt)" = "my notes" ] || fail "a .partial symlink's target was written"
    # The documented replacements still work: an earlier complete run, and anything with --force.
    "$bin" run "$scenario" --steps 2 -q -o ok.h5
    "$bin" run "$scenario" --steps 3 -q -o ok.h5
    "$py" "$src/tests/app/check_run_file.py" ok.h5 3
    "$bin" run "$scenario" --steps 2 -q -o notes.txt --force
    "$py" "$src/tests/app/check_run_file.py" notes.txt 2
    # A sweep's output directory must not be a file.
    echo x > afile
    expect 3 "is not a directory" -- "$bin" sweep "$sweeps/small.toml" -q -o afile
    echo "output replace: text file, symlink, FIFO, directory and a .partial symlink are refused; runs and --force replace"
    ;;
  foreign_run_file)
    # Item 5: a run file that belongs to another point is not taken as done on resume.
    "$bin" sweep "$sweeps/small.toml" -o d -q --threads 2
    cp d/index.csv ref.csv
    cp d/runs/p0_r0.h5 d/runs/p1_r0.h5
    expect 3 "runs/p1_r0.h5 does not belong to this sweep" -- "$bin" sweep "$sweeps/small.toml" -o d -q --threads 2
    expect 3 "runs/p1_r0.h5 does not belong to this sweep" -- "$bin" sweep-merge d -q
    # Moved away, the run is made again and the index is what it was.
    mv d/runs/p1_r0.h5 foreign.h5
    "$bin" sweep "$sweeps/small.toml" -o d -q --threads 2
    cmp ref.csv d/index.csv || fail "index after re-run differs"
    echo "foreign run file: resume and merge exit 3 naming it; after moving it the index is as before"
    ;;
  steps_factor)
    # Item 6: a factor on run.steps and the sweep's own `steps` conflict: refused, not silently overridden.
    sed -e 's/^steps = .*/steps = 12/' "$sweeps/small.toml" > s.toml
    cat >> s.toml <<'EOF'
[factors."run.steps"]
values = [5, 10]
EOF
    sed -i "s#^scenario = .*#scenario = \"$src/scenarios/default.toml\"#" s.toml
    expect 2 "run.steps" -- "$bin" sweep s.toml -q -o d
    [ ! -e d/index.csv ] || fail "a refused sweep wrote an index"
    # Without the sweep's steps the factor decides each run's length.
    sed -i '/^steps = /d' s.toml
    "$bin" sweep s.toml -q -o d2 --threads 2
    "$py" - <<'PY'
import glob, h5py
n = {}
for p in sorted(glob.glob("d2/runs/*.h5")):
    with h5py.File(p, "r") as f:
        n[p] = int(f.attrs["steps_completed"])
assert sorted(set(n.values())) == [5, 10], n
print("steps factor: each run has its factor's length", sorted(set(n.values())))
PY
    ;;
  cli_errors)
    # Item 7: command-line mistakes exit 2 (the documented code for bad input), with our message.
    expect 2 "cannot read scenario 'missing.toml': no such file" -- "$bin" run missing.toml
    expect 2 "biocluster: error:" -- "$bin" run "$scenario" --steps 0
    expect 2 "biocluster: error:" -- "$bin" run "$scenario" --no-such-flag
    expect 2 "biocluster: error:" -- "$bin"
    expect 2 "biocluster: error:" -- "$bin" frobnicate
    expect 2 "biocluster: error:" -- "$bin" run "$scenario" --threads x
    expect 0 "" -- "$bin" run --help
    "$bin" experiment -q "$src/tests/data/study/undeclared.experiment.toml" --check > /dev/null 2>&1 || true
    set +e; "$bin" experiment -q --check "$src/scenarios/experiments/grace_period.toml" > /dev/null 2>&1; rc=$?; set -e
    [ $rc -eq 0 ] || fail "experiment -q exited $rc"
    # --seed: negative, too large; --max-memory: nan, negative (a short bound, not 300 digits)
    expect 2 "--seed" -- "$bin" run "$scenario" --seed -1 -q -o s.h5
    set +e; out=$("$bin" run "$scenario" --seed -1 -q -o s.h5 2>&1); set -e
    grep -q 9223372036854775807 <<<"$out" && fail "--seed -1 reported as 9223372036854775807: $out"
    expect 2 "--seed" -- "$bin" run "$scenario" --seed 99999999999999999999999 -q -o s.h5
    expect 2 "--max-memory" -- "$bin" run "$scenario" --max-memory nan -q -o s.h5
    expect 2 "--max-memory" -- "$bin" run "$scenario" --max-memory -1 -q -o s.h5
    [ ${#out} -lt 400 ] || fail "error too long (${#out} characters)"
    set +e; out=$("$bin" run "$scenario" --max-memory -1 -q -o s.h5 2>&1); set -e
    [ ${#out} -lt 300 ] || fail "--max-memory -1 message is ${#out} characters: $out"
    echo "command-line errors: exit 2 with biocluster's messages"
    ;;
  file_size_limit)
    # Item 9: a file-size limit (ulimit -f) ends the run with exit 3 and "File too large", not SIGXFSZ.
    set +e; out=$( (ulimit -f 200; "$bin" run "$scenario" -q -o full.h5) 2>&1); rc=$?; set -e
    [ $rc -eq 3 ] || fail "ulimit -f: exit code $rc (expected 3): $out"
    grep -q "File too large" <<<"$out" || fail "ulimit -f: no 'File too large': $out"
    [ ! -e full.h5 ] || fail "a final file was left"
    echo "file-size limit: exit 3, File too large"
    ;;
  batch_inputs)
    # Items 8 and 11 for batch files: devices and FIFOs are refused without reading or blocking; a
    # mixed-type factor is reported once; a [baseline] without a name says so.
    expect 2 "is a character device, not a regular file" -- "$bin" sweep /dev/zero -q -o d
    mkfifo fifo.toml
    expect 2 "is a FIFO" -- "$bin" experiment fifo.toml
    expect 2 "is a character device" -- "$bin" calibrate /dev/urandom
    printf 'scenario = "%s"\nreplicates = 2\nsteps = 6\n[factors."policy.basic_research_share"]\nvalues = [0.3, true, "x"]\n' \
      "$scenario" > mixed.toml
    expect 2 "values mix numbers" -- "$bin" sweep mixed.toml -q -o m
    [ "$(grep -c 'values mix' <<<"$out")" -eq 1 ] || fail "mixed-type error printed more than once: $out"
    printf '[baseline]\nscenario = "x.toml"\n' > e.toml
    expect 2 "[baseline] needs 'name'" -- "$bin" experiment e.toml
    # The batch bad-input catalogue: every tests/data/bad/batch/*.{sweep,targets,experiment}.toml
    # starts with '# expect: TEXT'; its command must exit 2 and print TEXT.
    n=0
    for f in "$src"/tests/data/bad/batch/*.toml; do
      want=$(sed -n '1s/^# expect: //p' "$f")
      [ -n "$want" ] || fail "$f has no '# expect:' first line"
      case "$f" in
        *.sweep.toml) expect 2 "$want" -- "$bin" sweep "$f" -q -o "out_$(basename "$f" .toml)" ;;
        *.targets.toml) expect 2 "$want" -- "$bin" calibrate "$f" ;;
        *.experiment.toml) expect 2 "$want" -- "$bin" experiment "$f" ;;
        *) fail "$f: name it NAME.sweep.toml, NAME.targets.toml or NAME.experiment.toml" ;;
      esac
      n=$((n+1))
    done
    echo "batch inputs: devices and FIFOs refused, one mixed-type error, [baseline] named in its error;" \
         "$n catalogue files give exit code 2 and the expected message"
    ;;
  replay_partial)
    # Item 11: an interrupted run says what it is writing; replay of its .partial verifies the prefix it has.
    "$bin" run "$scenario" --steps 2400 -o p.h5 2> int.txt & p1=$!
    for _ in $(seq 1 300); do [ -e p.h5.partial ] && break; sleep 0.02; done
    sleep 0.5; kill -INT $p1; set +e; wait $p1; rc=$?; set -e
    [ $rc -eq 130 ] || fail "interrupted run exited $rc: $(cat int.txt)"
    grep -q "writing the steps simulated so far to p.h5.partial" int.txt || fail "no interruption message: $(cat int.txt)"
    expect 0 "reproduced exactly as far as it goes" -- "$bin" replay p.h5.partial
    "$py" - <<'PY'
import h5py
with h5py.File("p.h5.partial", "r+") as f:
    d = f["timeseries/startups"]; d[0, 0] = d[0, 0] + 1
PY
    expect 5 "timeseries/startups has different values" -- "$bin" replay p.h5.partial
    echo "replay of a .partial: its steps match the replay's first steps; a changed value is found"
    ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
