"""Seeds a running moto server with AWS/Kafka metrics for the CloudWatch tests.

Usage: moto_seed.py ENDPOINT_URL [ACCESS_KEY_ID SECRET_ACCESS_KEY]
The keys (default testing/testing) sign every request, as the signature-checking proxy in front
of moto (sigv4_proxy.py) requires.
Puts CpuUser for brokers 1-3 of cluster "demo" at 5-minute steps over the last hour:
broker 1 steady at 20, broker 2 rising 50 -> 94, broker 3 at 35. Prints "seeded N".
"""
import sys
import time

import boto3

endpoint = sys.argv[1]
access_key_id, secret_access_key = sys.argv[2:4] if len(sys.argv) >= 4 else ("testing", "testing")
client = boto3.client(
    "cloudwatch", region_name="us-east-1", endpoint_url=endpoint,
    aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
)
now = int(time.time())
count = 0
for broker, values in {"1": [20] * 12, "2": [50 + 4 * i for i in range(12)], "3": [35] * 12}.items():
    for i, value in enumerate(values):
        client.put_metric_data(
            Namespace="AWS/Kafka",
            MetricData=[{
                "MetricName": "CpuUser",
                "Dimensions": [{"Name": "Cluster Name", "Value": "demo"}, {"Name": "Broker ID", "Value": broker}],
                "Timestamp": now - 3600 + 300 * i + 60,
                "Value": value,
            }],
        )
        count += 1
print("seeded", count, flush=True)
