#!/usr/bin/env bash
# `make bench`: every benchmark against its peer, in one run on this machine.
# Results are printed; BENCHMARKS.md records them with the machine and date.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/fixtures.sh

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends hyperfine lua5.4 >/dev/null; }
command -v lua5.4 >/dev/null || apt-get install -y --no-install-recommends lua5.4 >/dev/null

bash scripts/build-release.sh runbook >/dev/null
bash scripts/build-release.sh bridge-bench >/dev/null
bash scripts/build-release.sh pattern-bench >/dev/null
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

echo "## Patterns: the engine's matcher against Lua's own, the same Lua over 5.6 MB of log lines"
.build/release/pattern-bench Benchmarks/patterns.lua
echo

echo "## Whole process: a trivial runbook against plain lua5.4 running the same body"
write_trivial_runbook "$work"
cat > "$work/plain.lua" <<'LUA'
local function step(name, fn) return fn() end
step("add", function() return 1 + 1 end)
LUA
hyperfine -N --warmup 5 --runs 50 --style basic \
  "$bin run $work/trivial.lua --journal $work/trivial.jsonl --no-color" \
  "lua5.4 $work/plain.lua"
echo

echo "## Cold start: a trivial run and --version against Swift hellos with and without Foundation"
bash Benchmarks/cold_start.sh 50 | tail -n +2
echo

echo "## runbook list over 200 runbooks, against lua5.4 loading the same 200 files"
write_many_runbooks "$work"
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
echo

echo "## AWS: a runbook doing DescribeCluster and three GetMetricStatistics, against four aws CLI calls, one local moto"
command -v aws >/dev/null || python3 -m pip install --quiet awscli || python3 -m pip install --quiet --break-system-packages awscli
moto_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
moto_server -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $moto_port), 1)" 2>/dev/null && break; sleep 0.2; done
endpoint=http://127.0.0.1:$moto_port
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
python3 Tests/Support/moto_seed.py "$endpoint" >/dev/null
arn=$(python3 - "$endpoint" <<'PY'
import sys, boto3
kafka = boto3.client("kafka", region_name="us-east-1", endpoint_url=sys.argv[1])
print(kafka.create_cluster_v2(ClusterName="demo", Provisioned={"BrokerNodeGroupInfo": {"InstanceType": "kafka.m5.large",
      "ClientSubnets": ["subnet-1", "subnet-2", "subnet-3"]}, "KafkaVersion": "3.6.0", "NumberOfBrokerNodes": 3})["ClusterArn"])
PY
)
start=$(( $(date +%s) - 3600 )); end=$(date +%s)
cat > "$work/aws.lua" <<LUA
return runbook {
  name = "bench.aws", version = "1.0.0", description = "DescribeCluster and three GetMetricStatistics",
  run = function()
    local cluster = kafka.describe_cluster("$arn")
    each({ "1", "2", "3" }, function(id)
      return cloudwatch.get_metric_statistics { namespace = "AWS/Kafka", metric = "CpuUser", period = 300,
        dimensions = { ["Cluster Name"] = "demo", ["Broker ID"] = id }, start_time = $start, end_time = $end, statistics = { "Average" } }
    end)
  end,
}
LUA
cat > "$work/aws-cli.sh" <<SH
aws --endpoint-url $endpoint kafka describe-cluster --cluster-arn $arn > /dev/null
for id in 1 2 3; do
  aws --endpoint-url $endpoint cloudwatch get-metric-statistics --namespace AWS/Kafka --metric-name CpuUser --period 300 \
    --dimensions "Name=Cluster Name,Value=demo" "Name=Broker ID,Value=\$id" --start-time $start --end-time $end --statistics Average > /dev/null
done
SH
hyperfine -N --warmup 2 --runs 15 --style basic \
  "$bin run $work/aws.lua --endpoint-url $endpoint --journal $work/aws.jsonl --no-color" \
  "bash $work/aws-cli.sh"
echo

echo "## 1,000 TCP probes (open, closed, silent loopback ports, timeout 1 s) against a serial nc -zv -w 1 loop"
bash Benchmarks/tcp_probe_bench.sh
echo

echo "## Alarm to run: runbook trigger against runbook run of the same dry run"
bash Benchmarks/trigger_bench.sh "$bin"
echo

echo "## runbook serve on loopback: event to first step (bar: p99 < 10 ms), a 5,000-event burst, peak RSS (bar: < 100 MB)"
mkdir -p "$work/serve"
python3 Benchmarks/serve_bench.py "$bin" "$work/serve"
