#!/usr/bin/env bash
# Probes 1,000 loopback targets (open / closed / silent ports on 127.0.0.1) with TCPProbe
# (timeout 1 s, concurrency up to 1,000), then with a serial `nc -zv -w 1` loop, and prints the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nc >/dev/null 2>&1; then
    apt-get install -y netcat-openbsd >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y netcat-openbsd >/dev/null; }
fi

swift build -c release --product tcp-probe-bench >/dev/null
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
