#!/usr/bin/env bash
# Alarm to run: `runbook trigger` (parse the event, route it, check the approval, admit it through the
# SQLite guardrails, journal the decision, dry-run the runbook with its review) against `runbook run`
# of the same runbook as a dry run with a report: what the guardrails add to a run.
# Usage: bash Benchmarks/trigger_bench.sh [RUNBOOK_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-}
if [ -z "$bin" ]; then
  bash scripts/build-release.sh runbook >/dev/null
  bin=$PWD/.build/release/runbook
fi
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends hyperfine >/dev/null; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state
mkdir -p "$work/runbooks"
cat > "$work/runbooks/auto.lua" <<'LUA'
return runbook {
  name = "bench.auto", version = "1.0.0", description = "One step an alarm starts",
  params = { cluster_name = { type = "string", required = true } },
  triggers = { { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_name = "dimension:Cluster Name" } } },
  automation = { target = "cluster_name", cooldown = 0 },
  run = function(p) step("add", function() return 1 + 1 end) end,
}
LUA
"$bin" approve bench.auto --runbooks "$work/runbooks" --yes --by bench >/dev/null
# Each timed trigger gets an event of its own: the same one twice is refused as a duplicate.
cat > "$work/new_event.py" <<'PY'
import sys, uuid
open(sys.argv[1], "w").write('{"version":"0","id":"%s","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch",'
  '"account":"123456789012","time":"2026-12-02T10:00:00Z","region":"us-east-1","resources":[],"detail":{"alarmName":"bench-HighCPU",'
  '"configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"dimensions":{"Cluster Name":"demo"},"name":"CpuUser",'
  '"namespace":"AWS/Kafka"},"period":60,"stat":"Average"},"returnData":true}]},'
  '"state":{"value":"ALARM","reason":"Threshold Crossed","timestamp":"2026-12-02T10:00:00.000+0000"}}}' % uuid.uuid4())
PY
hyperfine -N --warmup 5 --runs 50 --style basic \
  --prepare "python3 $work/new_event.py $work/event.json" \
  "$bin trigger --event $work/event.json --runbooks $work/runbooks --no-color" \
  "$bin run $work/runbooks/auto.lua --param cluster_name=demo --dry-run --report $work/report.md --journal $work/run.jsonl --no-color"
