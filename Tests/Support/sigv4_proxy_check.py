#!/usr/bin/env python3
"""Self-check for sigv4_proxy.py, with botocore as the client.

Starts moto and the proxy in front of it, then for each protocol (query, ec2, json,
rest-json, rest-xml) calls a service through the proxy with the right key, which must
reach moto, and with a wrong secret, which botocore must read back as 403
SignatureDoesNotMatch. Also: S3 presigned URLs (valid, tampered, expired), a request with
no signature, and the proxy's record. Prints "N passed, M failed" and exits non-zero on
any failure.

Run: python3 Tests/Support/sigv4_proxy_check.py
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
AKID, SECRET = "AKIDPROXYCHECK", "proxy/check+Secret"
RESULTS = {"passed": 0, "failed": 0}

# (client name, protocol, a read every moto serves)
CALLS = [
    ("cloudwatch", "json (query-compatible)", lambda c: c.list_metrics()),
    ("sqs", "json", lambda c: c.list_queues()),
    ("sns", "query", lambda c: c.list_topics()),
    ("sts", "query", lambda c: c.get_caller_identity()),
    ("ec2", "ec2", lambda c: c.describe_vpcs()),
    ("dynamodb", "json", lambda c: c.list_tables()),
    ("logs", "json", lambda c: c.describe_log_groups()),
    ("lambda", "rest-json", lambda c: c.list_functions()),
    ("s3", "rest-xml", lambda c: c.list_buckets()),
    ("route53", "rest-xml", lambda c: c.list_hosted_zones()),
]


def check(name, ok, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    if not ok:
        print("FAIL %s: %s" % (name, str(detail)[:600]))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    moto_port = free_port()
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "sigv4_proxy.py"),
                              "--upstream", "http://127.0.0.1:%d" % moto_port, "--access-key", AKID + ":" + SECRET],
                             stdout=subprocess.PIPE)
    try:
        url = "http://127.0.0.1:%d" % int(proxy.stdout.readline())
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", moto_port)).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        run(url)
    finally:
        proxy.kill()
        moto.kill()
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    sys.exit(1 if RESULTS["failed"] else 0)


def run(url):
    def client(name, secret=SECRET, **config):
        return boto3.client(name, region_name="us-east-1", endpoint_url=url, aws_access_key_id=AKID,
                            aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, **config))

    for name, protocol, call in CALLS:
        try:
            call(client(name))
            check("%s (%s) with the right key reaches moto" % (name, protocol), True)
        except ClientError as e:
            check("%s (%s) with the right key reaches moto" % (name, protocol), False, e)
        try:
            call(client(name, secret="wrong" + SECRET))
            check("%s (%s) with a wrong secret is refused" % (name, protocol), False, "accepted")
        except ClientError as e:
            error, status = e.response["Error"], e.response["ResponseMetadata"]["HTTPStatusCode"]
            check("%s (%s): botocore reads 403 SignatureDoesNotMatch" % (name, protocol),
                  (error.get("Code"), status) == ("SignatureDoesNotMatch", 403), e.response)
            check("%s (%s): the message is AWS's and hides the secret" % (name, protocol),
                  error.get("Message", "").startswith("The request signature we calculated does not match")
                  and SECRET not in error.get("Message", ""), error)

    s3 = client("s3", signature_version="s3v4")
    s3.create_bucket(Bucket="proxy-check")
    s3.put_object(Bucket="proxy-check", Key="a b/c+d~e", Body=b"hello")
    check("S3 key with space, plus and tilde round-trips (single-encoded path)",
          s3.get_object(Bucket="proxy-check", Key="a b/c+d~e")["Body"].read() == b"hello")
    presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "proxy-check", "Key": "a b/c+d~e"},
                                          ExpiresIn=60)
    status, body = fetch(presigned)
    check("presigned S3 URL is accepted", (status, body) == (200, b"hello"), (status, body))
    tampered = presigned.replace("X-Amz-Expires=60", "X-Amz-Expires=61")
    status, body = fetch(tampered)
    check("tampered presigned URL -> 403 SignatureDoesNotMatch (S3 <Error>)",
          status == 403 and b"<Error><Code>SignatureDoesNotMatch</Code>" in body, (status, body[:300]))
    expired = client("s3", signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": "proxy-check", "Key": "a b/c+d~e"}, ExpiresIn=1)
    time.sleep(2.1)
    status, body = fetch(expired)
    check("expired presigned URL -> 403", status == 403 and b"Request has expired" in body, (status, body[:300]))

    status, body = fetch(url + "/?Action=ListMetrics&Version=2010-08-01")
    check("no signature -> 403 MissingAuthenticationToken (query <ErrorResponse>)",
          status == 403 and b"<ErrorResponse" in body and b"<Code>MissingAuthenticationToken</Code>" in body,
          (status, body[:300]))

    _, body = fetch(url + "/_proxy/requests")
    records = json.loads(body)
    refused = [r for r in records if not r["signature_valid"]]
    check("every refused request is recorded and none forwarded",
          len(refused) == len(CALLS) + 3 and not any(r["forwarded"] for r in refused), refused)
    check("every valid request was forwarded",
          all(r["forwarded"] and r["status"] is not None for r in records if r["signature_valid"]), records)
    seen = {(r["service"], r["operation"]) for r in records}
    check("operations are recorded from X-Amz-Target and Action",
          {("monitoring", "ListMetrics"), ("sqs", "ListQueues"), ("ec2", "DescribeVpcs")} <= seen, seen)
    request = urllib.request.Request(url + "/_proxy/reset", method="POST")
    urllib.request.urlopen(request).read()
    _, body = fetch(url + "/_proxy/requests")
    check("reset forgets the record", json.loads(body) == [], body)


def fetch(url):
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


if __name__ == "__main__":
    main()
