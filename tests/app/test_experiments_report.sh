#!/bin/bash
# scripts/experiments_report.py: regenerates one section of a copy of the doc from a real (short) run,
# keeps the other sections as they were, refuses a bad binary with exit 2, and --check names a file
# with no section. Usage: test_experiments_report.sh BIN ROOT WORKDIR
set -euo pipefail
bin=$1 root=$2 work=$3
py=/usr/bin/python3 gen="$root/scripts/experiments_report.py"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
cat > doc.md <<'DOC'
# doc
<!-- results:begin -->

### grace_period

kept as it was

### licensing

old text

<!-- results:end -->

after
DOC
"$py" "$gen" "$bin" --doc doc.md --only licensing --replicates 2 --steps 12 2> log.txt
grep -q '^### licensing$' doc.md
grep -q -- '--replicates 2 --steps 12' doc.md                         # the command shows the override
grep -q '^| university spin-offs |' doc.md                    # the table from the real run
grep -q 'Mechanism trace' doc.md
! grep -q 'old text' doc.md
grep -q '^kept as it was$' doc.md                                     # other sections untouched
grep -q '^after$' doc.md                                              # text after the markers kept
! grep -q 'study:' doc.md                                             # no progress lines in the doc
# bad binary: exit 2, one line, doc unchanged
cp doc.md before.md
set +e; "$py" "$gen" ./no-such-binary --doc doc.md --only licensing 2> err.txt; rc=$?; set -e
[ $rc -eq 2 ] && [ "$(wc -l < err.txt)" -eq 1 ] && cmp -s doc.md before.md
# --check: the copy lacks most experiments
set +e; "$py" "$gen" "$bin" --doc doc.md --check > check.txt; rc=$?; set -e
[ $rc -eq 1 ] && grep -q 'no results section for scenarios/experiments/pandemic.toml' check.txt
echo "experiments_report: section regenerated, others kept, bad binary refused, --check names missing sections"
