"""Posts a burst of EventBridge events to `runbook serve` on loopback, over a few keep-alive connections.

usage: serve_burst.py URL TOKEN_FILE EVENT_FILE COUNT CONNECTIONS

EVENT_FILE holds one EventBridge event whose "id" is replaced by a new one for each post. Prints one
JSON object: the count of each answer status, the seconds the burst took, and each post's latency
percentiles in milliseconds.
"""
import http.client
import json
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

url, token_file, event_file, count, connections = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
token = open(token_file).read().strip()
template = json.load(open(event_file))
target = urlparse(url)
if target.hostname not in ("127.0.0.1", "localhost", "::1"):
    sys.exit("serve_burst.py sends to loopback only")

lock = threading.Lock()
statuses = {}
latencies = []


def post(share):
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    for _ in range(share):
        event = dict(template, id=str(uuid.uuid4()))
        body = json.dumps(event).encode()
        start = time.perf_counter()
        connection.request("POST", "/v1/events/eventbridge", body=body,
                           headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
        answer = connection.getresponse()
        answer.read()
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            latencies.append(elapsed)
    connection.close()


start = time.perf_counter()
threads = [threading.Thread(target=post, args=(count // connections + (1 if i < count % connections else 0),)) for i in range(connections)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
seconds = time.perf_counter() - start
latencies.sort()


def percentile(p):
    return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0


print(json.dumps({"statuses": {str(k): v for k, v in statuses.items()}, "seconds": seconds,
                  "p50_ms": percentile(50), "p99_ms": percentile(99)}))
