#!/usr/bin/env bash
# `make bench`: every benchmark against its peer, in one run on this machine.
# Results are printed; BENCHMARKS.md records them with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends hyperfine lua5.4 >/dev/null; }
command -v lua5.4 >/dev/null || apt-get install -y --no-install-recommends lua5.4 >/dev/null

swift build -c release --product runbook >/dev/null
swift build -c release --product bridge-bench >/dev/null
bin=$PWD/.build/release/runbook
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "## Machine"
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(swift --version 2>&1 | head -1); $(lua5.4 -v)"
echo

echo "## Bridge: a no-op Swift primitive against a C function, 10M calls from a Lua loop"
.build/release/bridge-bench
echo

echo "## Whole process: a trivial runbook against plain lua5.4 running the same body"
cat > "$work/trivial.lua" <<'LUA'
return runbook {
  name = "bench.trivial", version = "1.0.0", description = "One step that adds two numbers",
  run = function() step("add", function() return 1 + 1 end) end,
}
LUA
cat > "$work/plain.lua" <<'LUA'
local function step(name, fn) return fn() end
step("add", function() return 1 + 1 end)
LUA
hyperfine -N --warmup 5 --runs 50 --style basic \
  "$bin run $work/trivial.lua --journal $work/trivial.jsonl --no-color" \
  "lua5.4 $work/plain.lua"
echo

echo "## runbook list over 200 runbooks, against lua5.4 loading the same 200 files"
mkdir -p "$work/many"
for i in $(seq 1 200); do
  cat > "$work/many/rb$i.lua" <<LUA
return runbook {
  name = "bench.rb$i", version = "1.$i.0", description = "Generated runbook $i",
  params = { cluster = { type = "string", required = true, doc = "cluster" }, n = { type = "integer", default = $i } },
  triggers = { { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster = "dimension:Cluster Name" } } },
  run = function(p) step("s", function() return p.n end) end,
}
LUA
done
cat > "$work/load-all.lua" <<'LUA'
runbook = function(t) return t end
local names = {}
for i = 1, 200 do names[#names + 1] = dofile(arg[1] .. "/rb" .. i .. ".lua").name end
table.sort(names)
io.write(table.concat(names, "\n"), "\n")
LUA
hyperfine -N --warmup 3 --runs 30 --style basic \
  "$bin list --runbooks $work/many" \
  "lua5.4 $work/load-all.lua $work/many"
