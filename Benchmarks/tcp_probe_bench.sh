#!/usr/bin/env bash
# Probes 1,000 loopback targets (open / closed / silent ports on 127.0.0.1) with TCPProbe
# (timeout 1 s, concurrency up to 1,000), then with a serial `nc -zv -w 1` loop, and prints the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nc >/dev/null 2>&1; then
    apt-get install -y netcat-openbsd >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y netcat-openbsd >/dev/null; }
fi

bash scripts/build-release.sh tcp-probe-bench >/dev/null
BIN=.build/release/tcp-probe-bench
TARGETS=$(mktemp /tmp/tcp-probe-targets.XXXXXX)
"$BIN" serve "$TARGETS" > "$TARGETS.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -f "$TARGETS" "$TARGETS.log"' EXIT
for _ in $(seq 1 100); do grep -q ready "$TARGETS.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$TARGETS.log" || { echo "server did not start" >&2; exit 1; }

echo "== TCPProbe (Swift, one epoll thread)"
SWIFT_OUT=$("$BIN" probe "$TARGETS" "${CONCURRENCY:-1000}")
echo "$SWIFT_OUT"
SWIFT_MS=$(echo "$SWIFT_OUT" | sed -n 's/^wall_ms=//p')

echo "== the same probes from one runbook: each(ports, probe.tcp, {concurrency = 1000})"
bash scripts/build-release.sh runbook >/dev/null
RUNBOOK=$(mktemp -d)
cat > "$RUNBOOK/probes.lua" <<'LUA'
return runbook {
  name = "bench.probes", version = "1.0.0", description = "1,000 TCP probes at once",
  params = { ports = { type = "list", required = true } },
  run = function(p)
    local results = each(p.ports, function(port)
      return probe.tcp { host = "127.0.0.1", port = tonumber(port), timeout = 1 }
    end, { concurrency = 1000 })
    local ok, refused, timed_out = 0, 0, 0
    for _, r in ipairs(results) do
      if r.ok then ok = ok + 1 elseif r.reason == "refused" then refused = refused + 1 else timed_out = timed_out + 1 end
    end
    log.info(("ok=%d refused=%d timed_out=%d"):format(ok, refused, timed_out))
  end,
}
LUA
PORTS=$(cut -d' ' -f1 "$TARGETS" | paste -sd, -)
python3 - "$PWD/.build/release/runbook" "$RUNBOOK/probes.lua" "$PORTS" "$RUNBOOK/journal.jsonl" <<'PY'
import resource, subprocess, sys, time
binary, runbook, ports, journal = sys.argv[1:]
start = time.monotonic()
out = subprocess.run([binary, "run", runbook, "--param", "ports=" + ports, "--journal", journal, "--no-color"],
                     capture_output=True, text=True)
wall = (time.monotonic() - start) * 1000
line = next((l.strip() for l in out.stdout.splitlines() if "ok=" in l), "no result")
print(f"runbook: exit={out.returncode} {line} wall_ms={wall:.0f} peak_rss={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss} kB")
PY
rm -rf "$RUNBOOK"

echo "== serial nc -zv -w 1 over the same targets"
NC_OPEN=0; NC_FAIL=0
T0=$(date +%s%N)
while read -r port kind; do
    if nc -zv -w 1 127.0.0.1 "$port" >/dev/null 2>&1; then NC_OPEN=$((NC_OPEN + 1)); else NC_FAIL=$((NC_FAIL + 1)); fi
done < "$TARGETS"
T1=$(date +%s%N)
NC_MS=$(( (T1 - T0) / 1000000 ))
echo "nc: succeeded=$NC_OPEN failed=$NC_FAIL wall_ms=$NC_MS"
awk -v a="$NC_MS" -v b="$SWIFT_MS" 'BEGIN { printf "ratio nc/TCPProbe = %.1fx\n", a / (b > 0 ? b : 1) }'
