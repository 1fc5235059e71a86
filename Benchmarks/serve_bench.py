"""`make bench`: runbook serve on loopback with an approved dry-run runbook.

usage: serve_bench.py RUNBOOK_BINARY WORK_DIR

1. Event to first step: 200 EventBridge events, one at a time, each for its own cluster (so no
   guardrail refuses it); the latency is from just before the POST to the `time` of the run's first
   `step_started` journal line (millisecond resolution), p50 and p99.
2. A burst of 5,000 events for one target over four keep-alive connections (Tests/Support/serve_burst.py):
   events a second answered (202 and 503), then the server's peak RSS (VmHWM) once the queue drained.
Servers are started here on 127.0.0.1, port 0, and stopped by their PID.
"""
import datetime
import http.client
import json
import os
import subprocess
import sys
import time
import uuid

binary, work = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
environment = dict(os.environ, XDG_STATE_HOME=work + "/state", NO_COLOR="1")
journals = work + "/state/runbook/runs"
os.makedirs(work + "/runbooks", exist_ok=True)
with open(work + "/runbooks/look.lua", "w") as file:
    file.write("""return runbook {
  name = "bench.look", version = "1.0.0", description = "Look at a cluster an alarm names",
  params = { cluster_name = { type = "string", required = true } },
  triggers = { { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_name = "dimension:Cluster Name" } } },
  automation = { target = "cluster_name", cooldown = 600 },
  run = function(p) step("look", function() log.info("cluster " .. p.cluster_name) end) end,
}
""")
with open(work + "/token", "w") as file:
    file.write(uuid.uuid4().hex + "\n")
token = open(work + "/token").read().strip()
subprocess.run([binary, "approve", "bench.look", "--yes", "--by", "bench", "--runbooks", work + "/runbooks"],
               env=environment, check=True, stdout=subprocess.DEVNULL)
sys.path.insert(0, root + "/Tests/Support")
template = json.loads(open(root + "/Tests/TestSupport/AlarmPayloads.swift").read().split('metricAlarm = #"""')[1].split('"""#')[0])


def start():
    server = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--token-file", work + "/token", "--runbooks", work + "/runbooks"],
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    if not line.startswith("listening on http://"):
        server.kill()
        sys.exit("runbook serve did not start: " + line)
    return server, int(line.rsplit(":", 1)[1])


def event(cluster):
    body = json.loads(json.dumps(template))
    body["id"] = str(uuid.uuid4())
    body["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"]["Cluster Name"] = cluster
    return body


def first_step(path):
    """The time of the journal's first step_started line, or None while there is none."""
    try:
        for line in open(path, encoding="utf-8"):
            entry = json.loads(line)
            if entry.get("event") == "step_started":
                return datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    except (OSError, ValueError):
        pass
    return None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


server, port = start()
try:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    latencies = []
    seen = set(os.listdir(journals)) if os.path.isdir(journals) else set()
    for index in range(220):
        body = json.dumps(event("latency-%d" % index)).encode()
        sent = time.time()
        connection.request("POST", "/v1/events/eventbridge", body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status != 202:
            sys.exit("event %d answered %d" % (index, answer.status))
        deadline = time.time() + 10
        stepped = None
        while stepped is None and time.time() < deadline:
            new = [name for name in os.listdir(journals) if name.endswith(".jsonl") and name not in seen] if os.path.isdir(journals) else []
            for name in new:
                stepped = first_step(journals + "/" + name)
                if stepped is not None:
                    seen.add(name)
                    break
            if stepped is None:
                time.sleep(0.0005)
        if stepped is None:
            sys.exit("event %d: no step started within 10 s" % index)
        if index >= 20:  # the first ones warm the process up
            latencies.append((stepped - sent) * 1000)
    print("event to first step, %d events one at a time: p50 %.1f ms, p99 %.1f ms (journal times in whole ms)"
          % (len(latencies), percentile(latencies, 50), percentile(latencies, 99)))
finally:
    server.terminate()
    server.wait(60)

server, port = start()
try:
    with open(work + "/burst-event.json", "w") as file:
        json.dump(event("burst"), file)
    burst = json.loads(subprocess.run([sys.executable, root + "/Tests/Support/serve_burst.py", "http://127.0.0.1:%d" % port, work + "/token",
                                       work + "/burst-event.json", "5000", "4"], check=True, capture_output=True, text=True).stdout)
    answered = sum(burst["statuses"].values())
    print("burst of 5,000 events for one target, 4 keep-alive connections: %.0f events/s answered (%s), post p50 %.2f ms, p99 %.2f ms"
          % (answered / burst["seconds"], ", ".join("%s: %d" % item for item in sorted(burst["statuses"].items())), burst["p50_ms"], burst["p99_ms"]))
    while True:
        metrics = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        metrics.request("GET", "/metrics")
        text = metrics.getresponse().read().decode()
        if "runbook_queue_depth 0\n" in text and "runbook_runs_in_flight 0\n" in text:
            break
        time.sleep(0.1)
    peak = next(int(line.split()[1]) for line in open("/proc/%d/status" % server.pid) if line.startswith("VmHWM:"))
    print("peak RSS of runbook serve through the burst, its queue drained: %.1f MB" % (peak / 1024))
finally:
    server.terminate()
    server.wait(60)
