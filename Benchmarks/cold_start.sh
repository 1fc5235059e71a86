#!/usr/bin/env bash
# Cold start (issue 8 item 12): a trivial `runbook run` (one step that logs, journal written to a
# temporary XDG_STATE_HOME), `runbook --version` and `runbook --help` (issue 9), against a Swift hello that imports
# Foundation and one that does not, each started ROUNDS times in turn (Benchmarks/cold_start.py).
# Bar: the run within 2x the Foundation hello, in the same run.
# REV adds that revision's runbook (built in .build-compare/, as compare_revisions.sh does) to the
# same rounds, so before and after meet the same neighbours.
# Usage: bash Benchmarks/cold_start.sh [ROUNDS] [REV]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/fixtures.sh
rounds=${1:-50}
rev=${2:-}

bash scripts/build-release.sh runbook >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Every runbook timed is a copy in $work, not the linker's output: how a file came into the page
# cache changes how many pages each fault maps, and with it the start by about 1 ms
# (BENCHMARKS.md, "issue 9: cold start, the gap to 451fcc3"). Copies written alike compare the code.
bin=$work/runbook
cp .build/release/runbook "$bin"
export XDG_STATE_HOME=$work/state

cat > "$work/hello_foundation.swift" <<'SWIFT'
import Foundation
print("hello from \(ProcessInfo.processInfo.processName)")
SWIFT
cat > "$work/hello_plain.swift" <<'SWIFT'
print("hello")
SWIFT
swiftc -O "$work/hello_foundation.swift" -o "$work/hello-foundation"
swiftc -O "$work/hello_plain.swift" -o "$work/hello-plain"
write_logging_runbook "$work"

rows=(
  "hello-foundation=$work/hello-foundation"
  "hello-plain=$work/hello-plain"
  "runbook run=$bin run $work/logging.lua --no-color"
  "runbook --version=$bin --version"
  "runbook --help=$bin --help"
)
if [ -n "$rev" ]; then
  base=$PWD/.build-compare/$(git rev-parse --short "$rev")
  [ -d "$base" ] || git worktree add --detach "$base" "$rev" >/dev/null
  bash scripts/build-release.sh runbook "$base" >/dev/null
  short=$(git rev-parse --short "$rev")
  cp "$base/.build/release/runbook" "$work/runbook-$short"
  rows+=("$short run=$work/runbook-$short run $work/logging.lua --no-color" "$short --version=$work/runbook-$short --version" "$short --help=$work/runbook-$short --help")
fi
# Each binary once before timing, so every row starts from a warm page cache.
for row in "${rows[@]}"; do ${row#*=} >/dev/null; done
echo "## Cold start: $(git rev-parse --short HEAD)$([ -n "$rev" ] && echo " and $rev"), $(nproc) cores"
python3 Benchmarks/cold_start.py "$rounds" "${rows[@]}"
