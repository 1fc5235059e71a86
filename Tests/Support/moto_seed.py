"""Seeds a running moto server with AWS/Kafka metrics for the CloudWatch tests and the demo.

Usage: moto_seed.py ENDPOINT_URL [ACCESS_KEY_ID SECRET_ACCESS_KEY] [--cluster NAME] [--library]
The keys (default testing/testing) sign every request, as the signature-checking proxy in front
of moto (sigv4_proxy.py) requires.
Puts CpuUser for brokers 1-3 of cluster NAME (default "demo") at 5-minute steps over the last hour:
broker 1 steady at 20, broker 2 rising 50 -> 94, broker 3 at 35. With --library, also what the MSK
runbook library reads: CpuSystem (5, 4 and 6), and KafkaDataLogsDiskUsed, broker 1 filling from
70 to 81 percent in the hour, brokers 2 and 3 flat at 40. Prints "seeded N".
"""
import argparse
import time

import boto3

parser = argparse.ArgumentParser()
parser.add_argument("endpoint")
parser.add_argument("keys", nargs="*", default=["testing", "testing"])
parser.add_argument("--cluster", default="demo")
parser.add_argument("--library", action="store_true")
args = parser.parse_args()
access_key_id, secret_access_key = args.keys[:2] if len(args.keys) >= 2 else ("testing", "testing")
client = boto3.client(
    "cloudwatch", region_name="us-east-1", endpoint_url=args.endpoint,
    aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
)
metrics = {"CpuUser": {"1": [20] * 12, "2": [50 + 4 * i for i in range(12)], "3": [35] * 12}}
if args.library:
    metrics["CpuSystem"] = {"1": [5] * 12, "2": [4] * 12, "3": [6] * 12}
    metrics["KafkaDataLogsDiskUsed"] = {"1": [70 + i for i in range(12)], "2": [40] * 12, "3": [40] * 12}
now = int(time.time())
count = 0
for metric, brokers in metrics.items():
    for broker, values in brokers.items():
        client.put_metric_data(
            Namespace="AWS/Kafka",
            MetricData=[{
                "MetricName": metric,
                "Dimensions": [{"Name": "Cluster Name", "Value": args.cluster}, {"Name": "Broker ID", "Value": broker}],
                "Timestamp": now - 3600 + 300 * i + 60,
                "Value": value,
            } for i, value in enumerate(values)],
        )
        count += len(values)
print("seeded", count, flush=True)
