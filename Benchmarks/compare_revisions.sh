#!/usr/bin/env bash
# Compares this checkout's runbook with the one at REV (default: main's previous landing,
# HEAD~1), in one interleaved run: a trivial run, `list` over 200 runbooks, and the cost of
# calls into declared functions. Both are release builds; REV is built in .build-compare/.
# Usage: bash Benchmarks/compare_revisions.sh [REV]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/fixtures.sh
rev=${1:-HEAD~1}
base=$PWD/.build-compare/$(git rev-parse --short "$rev")
[ -d "$base" ] || git worktree add --detach "$base" "$rev" >/dev/null
bash scripts/build-release.sh runbook "$base" >/dev/null
bash scripts/build-release.sh runbook >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Copies, as in cold_start.sh: a freshly linked file starts about 1 ms slower than a copy of it.
old=$work/runbook-$(git rev-parse --short "$rev")
new=$work/runbook-now
cp "$base/.build/release/runbook" "$old"
cp .build/release/runbook "$new"
write_trivial_runbook "$work"
write_many_runbooks "$work"
echo "## $(git rev-parse --short "$rev") (x1.00) against this checkout; load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 Benchmarks/compare.py 40 \
  "$old run $work/trivial.lua --journal $work/old.jsonl --no-color" "$new run $work/trivial.lua --journal $work/new.jsonl --no-color"
python3 Benchmarks/compare.py 30 "$old list --runbooks $work/many" "$new list --runbooks $work/many"
echo "## calls into declared functions, per call (C string.len is the floor)"
for bin in "$old" "$new"; do
  "$bin" run Benchmarks/calls.lua --journal "$work/calls.jsonl" --no-color | sed -n 's/.*info: //p' | sed "s|^|$(basename "$bin"): |"
done
