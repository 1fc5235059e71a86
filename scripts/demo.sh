#!/usr/bin/env bash
# `make demo`: the MSK runbook library against a cluster whose parts are real peers on loopback.
#   moto                  CloudWatch, seeded: broker 2 runs hot, broker 1's disk is filling
#   the MSK stand-in      (Tests/Support/kafka_test_server.py) the kafka API, with cluster demo-local
#                         whose brokers and ZooKeeper connect string point at the peers below
#   librdkafka's mock     Kafka cluster (Tests/Peers/kafka-mock-cluster), 3 brokers; broker 3 is down
#   ZooKeeper             a real server; /brokers/ids lists brokers 1 and 2
# The reads run live, msk.reboot-broker as a dry run with its review document. Everything it
# started is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RUNBOOK_BIN:-$PWD/.build/release/runbook}
work=$(mktemp -d)
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for() {  # wait_for DESCRIPTION COMMAND...: up to 90 s
  local what=$1; shift
  for _ in $(seq 1 450); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "demo: $what did not come up" >&2; exit 1
}
listening() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$1"; }

# librdkafka's mock cluster, told what to do on a pipe that stays open until the end.
compiler=$(command -v cc || command -v clang) || { echo "demo: no C compiler (cc or clang) for the mock Kafka cluster" >&2; exit 1; }
"$compiler" -O2 -o "$work/kafka-mock-cluster" Tests/Peers/kafka-mock-cluster/main.c -lrdkafka
mkfifo "$work/mock.in"
"$work/kafka-mock-cluster" --brokers 3 orders:6:3 payments:3:3 < "$work/mock.in" > "$work/mock.out" 2>/dev/null &
pids+=($!)
exec 3>"$work/mock.in"
wait_for "the mock Kafka cluster" test -s "$work/mock.out"
bootstrap=$(head -1 "$work/mock.out")
echo "down 3" >&3

# A real ZooKeeper with brokers 1 and 2 registered.
zk_port=$(free_port)
mkdir -p "$work/zk/data"
printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=*\n' \
  "$work/zk/data" "$zk_port" > "$work/zk/zoo.cfg"
java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dzookeeper.log.dir="$work/zk" \
  -cp /etc/zookeeper/conf:/usr/share/java/zookeeper.jar org.apache.zookeeper.server.ZooKeeperServerMain "$work/zk/zoo.cfg" \
  > "$work/zk/console.log" 2>&1 &
pids+=($!)
wait_for "ZooKeeper" listening "$zk_port"
printf 'create /brokers ""\ncreate /brokers/ids ""\ncreate /brokers/ids/1 ""\ncreate /brokers/ids/2 ""\nquit\n' \
  | CLIENT_JVMFLAGS="-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1" \
    bash /usr/share/zookeeper/bin/zkCli.sh -server "127.0.0.1:$zk_port" > "$work/zk/cli.log" 2>&1

# The kafka API: the stand-in, with demo-local's brokers and ZooKeeper at the peers above.
arn=arn:aws:kafka:us-east-1:123456789012:cluster/demo-local/abcd-3
python3 - "$bootstrap" "$zk_port" "$arn" > "$work/seed.json" <<'PY'
import json, sys
bootstrap, zk_port, arn = sys.argv[1:]
print(json.dumps([{"name": "demo-local", "arn": arn, "kafkaVersion": "3.5.1",
                   "brokerEndpoints": bootstrap.split(","), "zookeeperConnectString": "127.0.0.1:" + zk_port}]))
PY
python3 Tests/Support/kafka_test_server.py --seed "$work/seed.json" --with-defaults > "$work/kafka.port" 2>/dev/null &
pids+=($!)
moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
pids+=($!)
wait_for "the MSK stand-in" test -s "$work/kafka.port"
wait_for "moto" listening "$moto_port"
kafka_port=$(head -1 "$work/kafka.port")
python3 Tests/Support/moto_seed.py "http://127.0.0.1:$moto_port" --cluster demo-local --library >/dev/null

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_KAFKA=http://127.0.0.1:$kafka_port AWS_ENDPOINT_URL_CLOUDWATCH=http://127.0.0.1:$moto_port

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@" || echo "(exit $?)"; }
step "$bin" list
step "$bin" validate
step "$bin" run msk.broker-connectivity --param cluster_name=demo-local --param timeout=1
step "$bin" run msk.connectivity-test --param cluster_name=demo-local --param timeout=1
step "$bin" run msk.high-cpu --param cluster_name=demo-local --param threshold=80
step "$bin" run msk.storage --param cluster_name=demo-local
step "$bin" run msk.zookeeper-status --param cluster_name=demo-local
step "$bin" run msk.reboot-broker --param cluster_arn=$arn --param broker_id=3 --dry-run --report demo-reboot-review.md
step "$bin" test runbooks
echo
echo "review document: demo-reboot-review.md; journals: ${XDG_STATE_HOME:-$HOME/.local/state}/runbook/runs/"
