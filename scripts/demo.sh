#!/usr/bin/env bash
# `make demo`: the MSK runbooks against local AWS endpoints on loopback: moto for
# CloudWatch (seeded with AWS/Kafka CpuUser) and the MSK stand-in in Tests/Support for
# Kafka (moto lacks ListNodes and RebootBroker). Both stop when the demo ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/.build/release/runbook
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

python3 Tests/Support/kafka_test_server.py > "$work/kafka.port" 2>/dev/null &
pids+=($!)
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  [ -s "$work/kafka.port" ] && python3 -c "import socket; socket.create_connection(('127.0.0.1', $moto_port), 1)" 2>/dev/null && break
  sleep 0.2
done
kafka_port=$(head -1 "$work/kafka.port")
python3 Tests/Support/moto_seed.py "http://127.0.0.1:$moto_port" >/dev/null

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_KAFKA=http://127.0.0.1:$kafka_port AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:$moto_port
arn=arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || echo "(exit $?)"; }
step "$bin" list
step "$bin" validate
step "$bin" run msk.high-cpu --param cluster_arn=$arn --param threshold=80 --dry-run --report demo-high-cpu.md
step "$bin" run msk.reboot-broker --param cluster_arn=$arn --param broker_id=2 --dry-run --report demo-reboot-review.md
step "$bin" run msk.connectivity-test --param cluster_arn=$arn --param timeout=1
step "$bin" run demo.hello --param target=orders
step "$bin" test runbooks
echo
echo "review documents: demo-high-cpu.md, demo-reboot-review.md"
