#!/usr/bin/env bash
# The scheduler at scale: parallel over 10,000 sleeping branches, and each over 100,000 items
# at concurrency 10,000, whole process. Bars (issue 8): 0.3 s and 3 s.
# Usage: bash Benchmarks/scheduler_bench.sh [RUNBOOK_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  bash scripts/build-release.sh runbook >/dev/null
  bin=$PWD/.build/release/runbook
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/parallel.lua" <<'LUA'
return runbook { name = "bench.parallel", version = "1.0.0", description = "10,000 sleeping branches",
  run = function()
    local fs = {}
    for i = 1, 10000 do fs[i] = function() sleep(0.01) return i end end
    local t = os.clock()
    parallel(table.unpack(fs))
    log.info(("parallel: %.0f ms of process CPU"):format((os.clock() - t) * 1000))
  end }
LUA
cat > "$work/each.lua" <<'LUA'
return runbook { name = "bench.each", version = "1.0.0", description = "100,000 items at concurrency 10,000",
  run = function()
    local items = {}
    for i = 1, 100000 do items[i] = i end
    local t = os.clock()
    each(items, function(i) sleep(0.001) return i end, { concurrency = 10000 })
    log.info(("each: %.0f ms of process CPU"):format((os.clock() - t) * 1000))
  end }
LUA
for case in parallel each; do
  for round in 1 2 3; do
    /usr/bin/time -f "$case round $round: %e s wall, %M KB peak" "$bin" run "$work/$case.lua" --journal "$work/$case.jsonl" --no-color 2>&1 \
      | grep -E "wall|CPU in the engine|✗" | sed 's/^ *info: //' | paste -sd' '
  done
done
