#!/usr/bin/env python3
"""Self-check for kafka_test_server.py.

Starts the server as a subprocess and drives it with a real botocore kafka client. The
client serialises and signs the requests, and botocore's own model parses the answers.
Every raw response body is also walked against the model, so a misspelled member name
or a wrong JSON type fails too; botocore alone silently ignores unknown keys. Also covers
SigV4 rejection, pagination, the reboot lifecycle, every fault kind, request recording
and reset. Prints "N passed, M failed" and exits non-zero on any failure.

Run: python3 Tests/Support/kafka_test_server_check.py
"""
import datetime
import hashlib
import hmac
import http.client
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from urllib.parse import quote

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "kafka_test_server.py")

AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEMP_AKID, TEMP_SECRET, TEMP_TOKEN = "ASIATEMPEXAMPLE", "tempSecretKey/EXAMPLE+abc", "SESSIONTOKEN123"
DEMO = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1"
KRAFT = "arn:aws:kafka:us-east-1:123456789012:cluster/demo-kraft/efgh-2"
BIG = "arn:aws:kafka:eu-west-1:210987654321:cluster/big/ffff-9"
MISSING = "arn:aws:kafka:us-east-1:123456789012:cluster/nope/0000-0"
SEED = [
    {"name": "big", "arn": BIG, "brokerCount": 7, "kafkaVersion": "3.6.0", "kraft": False, "state": "ACTIVE",
     "clientBroker": "TLS", "scram": True},
    {"name": "fresh", "brokerCount": 2, "kafkaVersion": "3.7.x.kraft", "kraft": True, "state": "CREATING"},
]
OPERATIONS = ["DescribeCluster", "DescribeClusterV2", "ListClustersV2", "ListNodes", "GetBootstrapBrokers",
              "RebootBroker", "DescribeClusterOperation", "DescribeClusterOperationV2", "ListClusterOperations",
              "ListClusterOperationsV2", "CreateCluster", "CreateConfiguration", "DescribeConfiguration",
              "UpdateConfiguration", "ListConfigurationRevisions"]

passed, failed = [], []
raw_responses = []  # (operation, status, headers, body bytes) seen by botocore clients
PORT = None
BASE = None


# ---------------------------------------------------------------------------------------------
# Helpers


def check(name, condition, detail=""):
    if condition:
        passed.append(name)
    else:
        failed.append("%s%s" % (name, (": " + str(detail)) if detail else ""))


def capture(operation_model, response_dict, **_):
    raw_responses.append((operation_model.name, response_dict["status_code"], dict(response_dict["headers"]),
                          response_dict["body"]))


def client(akid=AKID, secret=SECRET, token=None, region="us-east-1", **config):
    c = botocore.session.get_session().create_client(
        "kafka", region_name=region, endpoint_url=BASE, aws_access_key_id=akid, aws_secret_access_key=secret,
        aws_session_token=token, config=Config(**config) if config else None)
    c.meta.events.register("before-parse.kafka.*", capture)
    return c


def no_retry_client(**kw):
    return client(retries={"total_max_attempts": 1}, **kw)


def enc(arn):
    """Percent-encode an ARN as one path segment, the way botocore does for a non-greedy label."""
    return quote(arn, safe="-._~")


def control(method, path, doc=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    body = json.dumps(doc).encode() if doc is not None else b""
    conn.request(method, path, body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data) if data else None


def requests_log():
    return control("GET", "/_test/requests")[1]


def reset():
    control("POST", "/_test/reset")


def faults(*rules):
    status, doc = control("POST", "/_test/faults", list(rules))
    assert status == 200, doc


def sign(method, target, body=b"", headers=None, akid=AKID, secret=SECRET, token=None, region="us-east-1",
         when=None, sign_target=None):
    """Sign with botocore's SigV4Auth the way botocore's client does: the URL carries the
    percent-encoded path. sign_target lets a test sign something other than what is sent."""
    req = AWSRequest(method=method, url=BASE + (sign_target or target), data=body, headers=headers or {})
    ts = (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    auth = SigV4Auth(Credentials(akid, secret, token), "kafka", region)
    req.context["timestamp"] = ts
    req.headers["X-Amz-Date"] = ts
    if token:
        req.headers["X-Amz-Security-Token"] = token
    canonical = auth.canonical_request(req)
    auth._inject_signature_to_request(req, auth.signature(auth.string_to_sign(req, canonical), req))
    return dict(req.headers.items()), canonical


def raw(method, target, body=b"", headers=None, timeout=10):
    """Send exactly this request target (no re-encoding). Returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    conn.request(method, target, body, headers or {})
    resp = conn.getresponse()
    data = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, hdrs, data


def signed_raw(method, target, body=b"", headers=None, **kw):
    h, _ = sign(method, target, body, headers, **kw)
    return raw(method, target, body, h)


def error_code(e):
    return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]


def expect_client_error(fn, code, status):
    try:
        fn()
    except ClientError as e:
        return error_code(e) == (code, status), error_code(e), e
    return False, "no error", None


ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def wire_problems(shape, value, where, allowed_enum_extras=()):
    """Walk raw JSON against a botocore shape: only modelled wire names, right JSON types."""
    if value is None:
        return []  # explicit null: botocore drops it; Swift decoders must accept it
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            return ["%s: expected an object, got %r" % (where, value)]
        by_wire = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        out = []
        for k, v in value.items():
            if k not in by_wire:
                out.append("%s.%s is not a member of %s" % (where, k, shape.name))
            else:
                out += wire_problems(by_wire[k], v, where + "." + k, allowed_enum_extras)
        return out
    if t == "list":
        if not isinstance(value, list):
            return ["%s: expected a list" % where]
        return [p for i, v in enumerate(value) for p in wire_problems(shape.member, v, "%s[%d]" % (where, i),
                                                                      allowed_enum_extras)]
    if t == "map":
        if not isinstance(value, dict):
            return ["%s: expected an object (map)" % where]
        return [p for k, v in value.items() for p in wire_problems(shape.value, v, "%s[%r]" % (where, k),
                                                                   allowed_enum_extras)]
    if t == "string":
        if not isinstance(value, str):
            return ["%s: expected a string, got %r" % (where, value)]
        if shape.enum and value not in shape.enum and value not in allowed_enum_extras:
            return ["%s: %r not in enum %s" % (where, value, shape.enum)]
        return []
    if t == "boolean":
        return [] if isinstance(value, bool) else ["%s: expected a boolean" % where]
    if t in ("integer", "long"):
        return [] if isinstance(value, int) and not isinstance(value, bool) else ["%s: expected an integer" % where]
    if t in ("double", "float"):
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else ["%s: expected a number" % where]
    if t == "timestamp":
        return [] if isinstance(value, str) and ISO_MS.match(value) else ["%s: expected ISO 8601, got %r" % (where, value)]
    return ["%s: unchecked type %s" % (where, t)]


# ---------------------------------------------------------------------------------------------
# Tests


def test_routes_match_model():
    spec = importlib.util.spec_from_file_location("kafka_test_server", SERVER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = client().meta.service_model
    for method, template, op in mod.ROUTES:
        http = model.operation_model(op).http
        check("route %s matches the model" % op, (http["method"], http["requestUri"]) == (method, template),
              "%s %s vs model %s %s" % (method, template, http["method"], http["requestUri"]))
        check("%s answers with the model's status" % op, http.get("responseCode", 200) == 200)
    check("every operation is routed", sorted(op for _, _, op in mod.ROUTES) == sorted(OPERATIONS))


def test_describe_cluster():
    c = client()
    info = c.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]
    check("DescribeCluster demo name/state/brokers", (info["ClusterName"], info["State"], info["NumberOfBrokerNodes"])
          == ("demo", "ACTIVE", 3), info)
    check("DescribeCluster creationTime parses as a datetime", isinstance(info["CreationTime"], datetime.datetime))
    check("DescribeCluster ZooKeeper cluster has zookeeperConnectString",
          info.get("ZookeeperConnectString", "").count(":2181") == 3)
    check("DescribeCluster kafka version", info["CurrentBrokerSoftwareInfo"]["KafkaVersion"] == "3.5.1")
    kraft = c.describe_cluster(ClusterArn=KRAFT)["ClusterInfo"]
    check("DescribeCluster KRaft cluster has no ZooKeeper strings",
          "ZookeeperConnectString" not in kraft and "ZookeeperConnectStringTls" not in kraft)
    v2 = c.describe_cluster_v2(ClusterArn=DEMO)["ClusterInfo"]
    check("DescribeClusterV2 provisioned", v2["ClusterType"] == "PROVISIONED"
          and v2["Provisioned"]["NumberOfBrokerNodes"] == 3 and v2["State"] == "ACTIVE", v2)
    big = c.describe_cluster_v2(ClusterArn=BIG)["ClusterInfo"]
    check("seeded cluster from --seed", big["Provisioned"]["NumberOfBrokerNodes"] == 7
          and big["Provisioned"]["CurrentBrokerSoftwareInfo"]["KafkaVersion"] == "3.6.0", big)
    # The wire request: the ARN is one percent-encoded path segment.
    log = requests_log()
    want = "/v1/clusters/arn%3Aaws%3Akafka%3Aus-east-1%3A123456789012%3Acluster%2Fdemo%2Fabcd-1"
    check("DescribeCluster path is recorded as received", any(r["path"] == want for r in log), [r["path"] for r in log])


def test_list_clusters():
    c = client()
    all_names = [x["ClusterName"] for x in c.list_clusters_v2()["ClusterInfoList"]]
    check("ListClustersV2 lists every seeded cluster", sorted(all_names) == ["big", "demo", "demo-kraft", "fresh"],
          all_names)
    fresh = [x for x in c.list_clusters_v2()["ClusterInfoList"] if x["ClusterName"] == "fresh"][0]
    check("seed without arn gets a generated ARN and keeps its state",
          fresh["ClusterArn"].startswith("arn:aws:kafka:us-east-1:123456789012:cluster/fresh/")
          and fresh["State"] == "CREATING", fresh)
    names = [x["ClusterName"] for x in c.list_clusters_v2(ClusterNameFilter="demo")["ClusterInfoList"]]
    check("ListClustersV2 clusterNameFilter is a prefix filter", sorted(names) == ["demo", "demo-kraft"], names)
    check("ListClustersV2 SERVERLESS filter is empty",
          c.list_clusters_v2(ClusterTypeFilter="SERVERLESS")["ClusterInfoList"] == [])
    pages = list(c.get_paginator("list_clusters_v2").paginate(PaginationConfig={"PageSize": 1}))
    got = [x["ClusterName"] for p in pages for x in p["ClusterInfoList"]]
    check("ListClustersV2 paginates one per page", len(pages) == 4 and sorted(got) == sorted(all_names),
          (len(pages), got))
    # The filter value goes on the wire with %20 for space and %2F for '/'; the signature must still verify.
    c.list_clusters_v2(ClusterNameFilter="demo cluster/x", MaxResults=10)
    last = requests_log()[-1]
    check("ListClustersV2 query recorded raw and decoded",
          last["raw_query"] == "clusterNameFilter=demo%20cluster%2Fx&maxResults=10"
          and last["query"] == {"clusterNameFilter": "demo cluster/x", "maxResults": "10"}
          and last["signature_valid"], last)
    ok, got, _ = expect_client_error(lambda: c.list_clusters_v2(ClusterTypeFilter="BOGUS"), "BadRequestException", 400)
    check("ListClustersV2 bad clusterTypeFilter -> 400", ok, got)


def test_list_nodes_and_pagination():
    c = client()
    nodes = c.list_nodes(ClusterArn=DEMO)["NodeInfoList"]
    check("ListNodes ZooKeeper cluster: 3 brokers", [n["NodeType"] for n in nodes] == ["BROKER"] * 3, nodes)
    check("ListNodes brokerId is a double", [n["BrokerNodeInfo"]["BrokerId"] for n in nodes] == [1.0, 2.0, 3.0])
    check("ListNodes endpoints look like MSK hosts",
          all(re.match(r"^b-\d\.demo\.[0-9a-f]{6}\.c2\.kafka\.us-east-1\.amazonaws\.com$",
                       n["BrokerNodeInfo"]["Endpoints"][0]) for n in nodes))
    knodes = c.list_nodes(ClusterArn=KRAFT)["NodeInfoList"]
    controllers = [n for n in knodes if n.get("NodeType") == "CONTROLLER"]
    check("ListNodes KRaft: 3 brokers + 3 controllers", len(knodes) == 6 and len(controllers) == 3, knodes)
    check("ListNodes KRaft controllers have controllerNodeInfo.endpoints",
          all(n["ControllerNodeInfo"]["Endpoints"][0].startswith("c-1000") for n in controllers))
    # Manual paging with maxResults/nextToken over the 7-broker cluster.
    seen, token, pages = [], None, 0
    while True:
        kw = {"ClusterArn": BIG, "MaxResults": 3}
        if token:
            kw["NextToken"] = token
        r = c.list_nodes(**kw)
        pages += 1
        seen += [n["BrokerNodeInfo"]["BrokerId"] for n in r["NodeInfoList"]]
        token = r.get("NextToken")
        if not token:
            break
    check("ListNodes manual pagination: 3 pages, every broker once", pages == 3 and seen == [float(i) for i in range(1, 8)],
          (pages, seen))
    paged = list(c.get_paginator("list_nodes").paginate(ClusterArn=BIG, PaginationConfig={"PageSize": 2}))
    check("ListNodes botocore paginator", sum(len(p["NodeInfoList"]) for p in paged) == 7 and len(paged) == 4)
    token_requests = [r for r in requests_log() if r["operation"] == "ListNodes" and "nextToken" in r["query"]]
    check("nextToken went on the wire percent-encoded and verified",
          token_requests and all("%3D" in r["raw_query"] and r["signature_valid"] for r in token_requests),
          [r["raw_query"] for r in token_requests])
    ok, got, _ = expect_client_error(lambda: c.list_nodes(ClusterArn=DEMO, NextToken="garbage"), "BadRequestException", 400)
    check("ListNodes invalid nextToken -> 400", ok, got)
    r1 = c.list_nodes(ClusterArn=BIG, MaxResults=2)
    ok, got, _ = expect_client_error(lambda: c.list_nodes(ClusterArn=DEMO, NextToken=r1["NextToken"]),
                                     "BadRequestException", 400)
    check("ListNodes token from another cluster -> 400", ok, got)
    for bad in ("0", "101", "x"):
        status, hdrs, body = signed_raw("GET", "/v1/clusters/%s/nodes?maxResults=%s" % (enc(DEMO), bad))
        check("ListNodes maxResults=%s -> 400 BadRequestException" % bad,
              status == 400 and hdrs.get("x-amzn-errortype", "").startswith("BadRequestException:")
              and json.loads(body).get("invalidParameter") == "maxResults", (status, body))


def test_bootstrap_brokers():
    c = client()
    r = c.get_bootstrap_brokers(ClusterArn=DEMO)
    check("GetBootstrapBrokers plaintext/TLS/IAM strings",
          r["BootstrapBrokerString"].count(":9092") == 3 and r["BootstrapBrokerStringTls"].count(":9094") == 3
          and r["BootstrapBrokerStringSaslIam"].count(":9098") == 3, r)
    big = c.get_bootstrap_brokers(ClusterArn=BIG)
    check("GetBootstrapBrokers TLS-only cluster with SCRAM", "BootstrapBrokerString" not in big
          and big["BootstrapBrokerStringSaslScram"].count(":9096") == 7, big)


def test_not_found():
    c = client()
    calls = {
        "DescribeCluster": lambda: c.describe_cluster(ClusterArn=MISSING),
        "DescribeClusterV2": lambda: c.describe_cluster_v2(ClusterArn=MISSING),
        "ListNodes": lambda: c.list_nodes(ClusterArn=MISSING),
        "GetBootstrapBrokers": lambda: c.get_bootstrap_brokers(ClusterArn=MISSING),
        "RebootBroker": lambda: c.reboot_broker(ClusterArn=MISSING, BrokerIds=["1"]),
        "ListClusterOperations": lambda: c.list_cluster_operations(ClusterArn=MISSING),
        "ListClusterOperationsV2": lambda: c.list_cluster_operations_v2(ClusterArn=MISSING),
        "DescribeClusterOperation": lambda: c.describe_cluster_operation(ClusterOperationArn=MISSING + "-op"),
        "DescribeClusterOperationV2": lambda: c.describe_cluster_operation_v2(ClusterOperationArn=MISSING + "-op"),
    }
    for op, fn in calls.items():
        ok, got, e = expect_client_error(fn, "NotFoundException", 404)
        check("%s unknown ARN -> 404 NotFoundException" % op, ok, got)
        if e is not None:
            check("%s 404 carries x-amzn-RequestId" % op, bool(e.response["ResponseMetadata"].get("RequestId")))
    try:
        c.describe_cluster(ClusterArn=MISSING)
    except c.exceptions.NotFoundException as e:
        hdrs = e.response["ResponseMetadata"]["HTTPHeaders"]
        check("NotFound x-amzn-ErrorType header", hdrs.get("x-amzn-errortype")
              == "NotFoundException:http://internal.amazon.com/coral/com.amazon.kafka/", hdrs)
        check("NotFound body members parsed by botocore's modelled exception",
              e.response.get("InvalidParameter") == "clusterArn" and e.response["Error"]["Message"], e.response)
    status, hdrs, body = signed_raw("GET", "/v1/clusters/%s" % enc(MISSING))
    doc = json.loads(body)
    check("NotFound raw body is {message, invalidParameter}", status == 404 and set(doc) == {"message", "invalidParameter"}
          and doc["invalidParameter"] == "clusterArn", body)
    status, hdrs, body = signed_raw("GET", "/v1/no-such-thing")
    check("unknown route -> 404 UnknownOperationException",
          status == 404 and hdrs["x-amzn-errortype"].startswith("UnknownOperationException:"), (status, hdrs))
    # An ARN sent without percent-encoding is several segments, so it matches no route.
    status, hdrs, body = signed_raw("GET", "/v1/clusters/" + DEMO)
    check("unencoded ARN in the path does not route", status == 404, status)


def test_reboot_lifecycle():
    reset()
    control("POST", "/_test/config", {"rebootPolls": 2})
    c = client()
    r = c.reboot_broker(ClusterArn=DEMO, BrokerIds=["1"])
    op = r["ClusterOperationArn"]
    check("RebootBroker returns clusterArn and clusterOperationArn", r["ClusterArn"] == DEMO
          and re.match(r"^arn:aws:kafka:us-east-1:123456789012:cluster-operation/demo/abcd-1/[0-9a-f-]{36}$", op), r)
    rec = [x for x in requests_log() if x["operation"] == "RebootBroker"][-1]
    check("RebootBroker wire request", rec["method"] == "PUT"
          and rec["path"] == "/v1/clusters/%s/reboot-broker" % enc(DEMO)
          and json.loads(rec["body"]) == {"brokerIds": ["1"]}
          and rec["headers"].get("content-type") == "application/json" and rec["signature_valid"], rec)
    info = c.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]
    check("cluster is REBOOTING_BROKER with activeOperationArn", info["State"] == "REBOOTING_BROKER"
          and info.get("ActiveOperationArn") == op, info)
    ok, got, _ = expect_client_error(lambda: c.reboot_broker(ClusterArn=DEMO, BrokerIds=["2"]), "BadRequestException", 400)
    check("second reboot while rebooting -> 400", ok, got)
    s1 = c.describe_cluster_operation(ClusterOperationArn=op)["ClusterOperationInfo"]
    check("poll 1 (V1): REBOOT_IN_PROGRESS, REBOOT_NODE", (s1["OperationState"], s1["OperationType"])
          == ("REBOOT_IN_PROGRESS", "REBOOT_NODE") and "EndTime" not in s1, s1)
    s2 = c.describe_cluster_operation_v2(ClusterOperationArn=op)["ClusterOperationInfo"]
    check("poll 2 (V2): REBOOT_IN_PROGRESS", s2["OperationState"] == "REBOOT_IN_PROGRESS"
          and s2["ClusterType"] == "PROVISIONED", s2)
    lst = c.list_cluster_operations(ClusterArn=DEMO)["ClusterOperationInfoList"]
    check("ListClusterOperations shows the running op", [o["OperationArn"] for o in lst] == [op]
          and lst[0]["OperationState"] == "REBOOT_IN_PROGRESS", lst)
    s3 = c.describe_cluster_operation(ClusterOperationArn=op)["ClusterOperationInfo"]
    check("poll 3: REBOOT_COMPLETE with endTime", s3["OperationState"] == "REBOOT_COMPLETE"
          and isinstance(s3.get("EndTime"), datetime.datetime), s3)
    info = c.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]
    check("cluster back to ACTIVE, no activeOperationArn", info["State"] == "ACTIVE"
          and "ActiveOperationArn" not in info, info)
    v2 = c.list_cluster_operations_v2(ClusterArn=DEMO)["ClusterOperationInfoList"]
    check("ListClusterOperationsV2 summary", len(v2) == 1 and v2[0]["OperationState"] == "REBOOT_COMPLETE"
          and v2[0]["OperationType"] == "REBOOT_NODE", v2)
    # A second reboot, then paginate the operations list.
    op2 = c.reboot_broker(ClusterArn=DEMO, BrokerIds=["3"])["ClusterOperationArn"]
    p1 = c.list_cluster_operations(ClusterArn=DEMO, MaxResults=1)
    p2 = c.list_cluster_operations(ClusterArn=DEMO, MaxResults=1, NextToken=p1["NextToken"])
    check("ListClusterOperations paginates newest first",
          [o["OperationArn"] for o in p1["ClusterOperationInfoList"] + p2["ClusterOperationInfoList"]] == [op2, op]
          and "NextToken" not in p2)
    pv2 = list(c.get_paginator("list_cluster_operations_v2").paginate(ClusterArn=DEMO, PaginationConfig={"PageSize": 1}))
    check("ListClusterOperationsV2 paginator", len(pv2) == 2)
    # --reboot-polls 0 (set at runtime): the first poll already completes.
    reset()
    control("POST", "/_test/config", {"rebootPolls": 0})
    op3 = c.reboot_broker(ClusterArn=KRAFT, BrokerIds=["2"])["ClusterOperationArn"]
    check("rebootPolls 0: first poll completes",
          c.describe_cluster_operation_v2(ClusterOperationArn=op3)["ClusterOperationInfo"]["OperationState"]
          == "REBOOT_COMPLETE")
    reset()
    check("reset restores rebootPolls from the command line", control("GET", "/_test/config")[1] == {"rebootPolls": 2})
    ok, got, _ = expect_client_error(lambda: c.describe_cluster_operation(ClusterOperationArn=op3), "NotFoundException", 404)
    check("reset forgets operations", ok, got)


def test_reboot_validation():
    reset()
    target = "/v1/clusters/%s/reboot-broker" % enc(DEMO)
    cases = {
        "empty object": b"{}",
        "ids not a list": b'{"brokerIds": "1"}',
        "ids not strings": b'{"brokerIds": [1]}',
        "extra member": b'{"brokerIds": ["1"], "force": true}',
        "two brokers": b'{"brokerIds": ["1", "2"]}',
        "unknown broker": b'{"brokerIds": ["9"]}',
        "not JSON": b"brokerIds=1",
        "empty body": b"",
        "JSON list": b'["1"]',
    }
    for name, body in cases.items():
        status, hdrs, data = signed_raw("PUT", target, body, {"Content-Type": "application/json"})
        check("RebootBroker %s -> 400 BadRequestException" % name,
              status == 400 and hdrs["x-amzn-errortype"].startswith("BadRequestException:")
              and "message" in json.loads(data), (status, data))
    c = client()
    check("rejected reboots started nothing", c.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]["State"] == "ACTIVE"
          and c.list_cluster_operations(ClusterArn=DEMO)["ClusterOperationInfoList"] == [])
    fresh = [x for x in c.list_clusters_v2()["ClusterInfoList"] if x["ClusterName"] == "fresh"][0]["ClusterArn"]
    ok, got, _ = expect_client_error(lambda: c.reboot_broker(ClusterArn=fresh, BrokerIds=["1"]), "BadRequestException", 400)
    check("RebootBroker on a CREATING cluster -> 400", ok, got)


def test_signatures():
    reset()
    bad = client(secret="not-the-secret")
    ok, got, e = expect_client_error(lambda: bad.describe_cluster(ClusterArn=DEMO), "InvalidSignatureException", 403)
    check("wrong secret -> 403 InvalidSignatureException", ok, got)
    if e is not None:
        msg = e.response["Error"]["Message"]
        check("403 message has the canonical request (double-encoded path) and its hash",
              "Canonical String" in msg and "%253Aaws%253Akafka" in msg and "Canonical request SHA-256" in msg, msg)
        check("403 message never echoes a secret", SECRET not in msg and "not-the-secret" not in msg)
        check("403 x-amzn-ErrorType", e.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"].startswith(
            "InvalidSignatureException:"))
    log = requests_log()
    check("bad signature recorded with signature_valid false", log[-1]["signature_valid"] is False
          and log[-1]["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), log[-1])
    ok, got, _ = expect_client_error(lambda: client(akid="AKIDUNKNOWN").describe_cluster(ClusterArn=DEMO),
                                     "InvalidSignatureException", 403)
    check("unknown access key -> 403", ok, got)
    target = "/v1/clusters/%s" % enc(DEMO)
    status, hdrs, body = raw("GET", target)
    check("missing Authorization -> 403 with x-amzn-RequestId", status == 403 and hdrs.get("x-amzn-requestid")
          and "Missing Authentication Token" in json.loads(body)["message"], (status, body))
    # The double encoding: botocore's client signs the encoded path and SigV4Auth encodes it
    # again. Signing the decoded path instead (moto's mistake) must fail.
    status, _, _ = signed_raw("GET", target)
    check("hand-signed request (encoded path, as botocore's client) -> 200", status == 200, status)
    status, _, body = signed_raw("GET", target, sign_target="/v1/clusters/" + DEMO)
    check("request signed over the decoded path -> 403", status == 403, status)
    rtarget = "/v1/clusters/%s/reboot-broker" % enc(DEMO)
    h, _ = sign("PUT", rtarget, b'{"brokerIds": ["1"]}', {"Content-Type": "application/json"})
    status, _, body = raw("PUT", rtarget, b'{"brokerIds": ["2"]}', h)
    check("body changed after signing -> 403", status == 403 and b"Canonical String" in body, (status, body))
    h, _ = sign("GET", target, when=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    status, _, body = raw("GET", target, b"", h)
    check("X-Amz-Date far from the server clock -> 403", status == 403 and b"Signature expired" in body, body)
    h, _ = sign("GET", target, region="eu-west-1")
    check("region is taken from the credential scope", raw("GET", target, b"", h)[0] == 200)
    h, _ = sign("GET", target)
    h["Authorization"] = h["Authorization"].replace("/kafka/", "/monitoring/")
    status, _, body = raw("GET", target, b"", h)
    check("wrong service in scope -> 403", status == 403 and b"kafka" in body, body)
    # Session tokens: the temporary key is configured with a required token.
    tmp = client(akid=TEMP_AKID, secret=TEMP_SECRET, token=TEMP_TOKEN)
    check("session-token client -> 200", tmp.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]["State"] == "ACTIVE")
    rec = requests_log()[-1]
    check("token recorded and signed", rec["headers"].get("x-amz-security-token") == TEMP_TOKEN
          and "x-amz-security-token" in rec["headers"]["authorization"], rec["headers"])
    ok, got, _ = expect_client_error(
        lambda: client(akid=TEMP_AKID, secret=TEMP_SECRET, token="WRONG").describe_cluster(ClusterArn=DEMO),
        "InvalidSignatureException", 403)
    check("wrong session token -> 403", ok, got)
    ok, got, _ = expect_client_error(
        lambda: client(akid=TEMP_AKID, secret=TEMP_SECRET).describe_cluster(ClusterArn=DEMO),
        "InvalidSignatureException", 403)
    check("missing session token -> 403", ok, got)
    check("default key accepts any signed session token",
          client(token="ANYTOKEN").describe_cluster(ClusterArn=DEMO)["ClusterInfo"]["State"] == "ACTIVE")
    h, _ = sign("GET", target, token="TOK")
    h2 = dict(h)  # keep the token header but take it out of SignedHeaders
    h2["Authorization"] = h2["Authorization"].replace(";x-amz-security-token", "")
    status, _, body = raw("GET", target, b"", h2)
    check("unsigned X-Amz-Security-Token -> 403", status == 403 and b"SignedHeaders" in body, body)
    # A query sent with '+' for a space: botocore would sign it as is, AWS would not.
    qtarget = "/api/v2/clusters?clusterNameFilter=a+b"
    status, _, body = signed_raw("GET", qtarget)
    check("non-canonical query encoding -> 403", status == 403 and b"canonically encoded" in body, body)
    check("/_test endpoints need no signature", control("GET", "/_test/faults")[0] == 200)


def test_faults():
    reset()
    nr = no_retry_client()
    faults({"operation": "RebootBroker", "times": 1, "kind": "throttle"})
    ok, got, e = expect_client_error(lambda: nr.reboot_broker(ClusterArn=DEMO, BrokerIds=["1"]),
                                     "TooManyRequestsException", 429)
    check("throttle -> TooManyRequestsException 429 (retries off)", ok, got)
    check("throttled reboot had no effect", nr.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]["State"] == "ACTIVE")
    check("fault used up after 1", nr.reboot_broker(ClusterArn=DEMO, BrokerIds=["1"])["ClusterOperationArn"])
    reset()
    faults({"operation": "ListNodes", "times": 1, "kind": "error500"})
    check("fault for another operation does not match", nr.describe_cluster(ClusterArn=DEMO)["ClusterInfo"])
    ok, got, _ = expect_client_error(lambda: nr.list_nodes(ClusterArn=DEMO), "InternalServerErrorException", 500)
    check("error500 -> InternalServerErrorException 500", ok, got)
    faults({"operation": "*", "times": 1, "kind": "unavailable503"})
    ok, got, _ = expect_client_error(lambda: nr.get_bootstrap_brokers(ClusterArn=DEMO),
                                     "ServiceUnavailableException", 503)
    check("unavailable503 -> ServiceUnavailableException 503", ok, got)
    faults({"operation": "DescribeCluster", "times": 1, "kind": "slow", "delay_ms": 600})
    t0 = time.monotonic()
    info = nr.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]
    check("slow: answered normally after delay_ms", time.monotonic() - t0 >= 0.6 and info["State"] == "ACTIVE")
    faults({"operation": "DescribeCluster", "times": 1, "kind": "slow", "delay_ms": 1500})
    try:
        no_retry_client(read_timeout=0.3).describe_cluster(ClusterArn=DEMO)
        check("slow beyond the client's read timeout -> ReadTimeoutError", False, "no error")
    except ReadTimeoutError:
        check("slow beyond the client's read timeout -> ReadTimeoutError", True)
    time.sleep(1.3)  # let the slow handler finish
    faults({"operation": "DescribeCluster", "times": 1, "kind": "reset"})
    try:
        nr.describe_cluster(ClusterArn=DEMO)
        check("reset -> connection closed without an answer", False, "got an answer")
    except (ConnectionClosedError, EndpointConnectionError) as e:
        check("reset -> connection closed without an answer", True)
    faults({"operation": "DescribeCluster", "times": 1, "kind": "malformed"})
    status, hdrs, body = signed_raw("GET", "/v1/clusters/%s" % enc(DEMO))
    try:
        json.loads(body)
        parsed = True
    except ValueError:
        parsed = False
    check("malformed -> 200 with truncated JSON", status == 200 and not parsed and body.startswith(b'{"clusterInfo"')
          and int(hdrs["content-length"]) == len(body), (status, body[:60]))
    # times=N, then a retrying client gets through on attempt N+1.
    reset()
    faults({"operation": "*", "times": 2, "kind": "error500"})
    r = client(retries={"mode": "standard", "total_max_attempts": 3}).describe_cluster(ClusterArn=DEMO)
    log = requests_log()
    check("times=2: third attempt succeeds", r["ResponseMetadata"]["RetryAttempts"] == 2
          and [x["status"] for x in log] == [500, 500, 200] and [x["fault"] for x in log] == ["error500", "error500", None],
          [(x["status"], x["fault"]) for x in log])
    check("faults list empty when used up", control("GET", "/_test/faults")[1] == {"faults": []})
    status, doc = control("POST", "/_test/faults", [{"operation": "*", "kind": "explode"}])
    check("unknown fault kind -> 400 from the control endpoint", status == 400, doc)


def test_recording_and_reset():
    reset()
    c = client()
    c.list_nodes(ClusterArn=DEMO, MaxResults=2)
    c.reboot_broker(ClusterArn=DEMO, BrokerIds=["2"])
    log = requests_log()
    check("records have the documented fields",
          all({"method", "path", "query", "headers", "body", "signature_valid", "operation"} <= set(r) for r in log))
    check("operations recorded in order", [r["operation"] for r in log] == ["ListNodes", "RebootBroker"])
    check("ListNodes query recorded", log[0]["query"] == {"maxResults": "2"} and log[0]["method"] == "GET")
    check("authorization value recorded", log[1]["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 "))
    check("control requests are not recorded", all(not r["path"].startswith("/_test/") for r in log))
    faults({"operation": "*", "times": 5, "kind": "throttle"})
    reset()
    check("reset clears requests and faults", requests_log() == [] and control("GET", "/_test/faults")[1]["faults"] == [])
    check("reset restores cluster state", c.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]["State"] == "ACTIVE"
          and c.list_cluster_operations(ClusterArn=DEMO)["ClusterOperationInfoList"] == [])


def independent_sign(method, target, body, headers, akid=AKID, secret=SECRET, region="us-east-1", when=None):
    """SigV4 by hand with hashlib/hmac only (research notes section 3), signing a minimal header
    set as a hand-rolled client would. Returns the headers to send."""
    ts = (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    headers = dict(headers, **{"Host": "127.0.0.1:%d" % PORT, "X-Amz-Date": ts})
    path, _, query = target.partition("?")
    canonical_uri = quote(path, safe="/~")  # the wire path (already encoded), encoded once more
    pairs = sorted(tuple(p.partition("=")[::2]) for p in query.split("&")) if query else []
    canonical_query = "&".join("%s=%s" % kv for kv in pairs)
    signed = sorted(k.lower() for k in headers)
    canonical_headers = "".join("%s:%s\n" % (k.lower(), " ".join(str(v).split()))
                                for k, v in sorted(headers.items(), key=lambda kv: kv[0].lower()))
    canonical = "\n".join([method, canonical_uri, canonical_query, canonical_headers, ";".join(signed),
                           hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/kafka/aws4_request" % (ts[:8], region)
    sts = "\n".join(["AWS4-HMAC-SHA256", ts, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (ts[:8], region, "kafka", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        akid, scope, ";".join(signed), sig)
    return headers


def test_independent_signer():
    reset()
    target = "/v1/clusters/%s/nodes?maxResults=2" % enc(KRAFT)
    status, _, body = raw("GET", target, b"", independent_sign("GET", target, b"", {}))
    check("hashlib-only signer accepted (GET with query)", status == 200 and len(json.loads(body)["nodeInfoList"]) == 2,
          (status, body[:300]))
    rtarget = "/v1/clusters/%s/reboot-broker" % enc(KRAFT)
    rbody = b'{"brokerIds":["3"]}'
    h = independent_sign("PUT", rtarget, rbody, {"Content-Type": "application/json"})
    status, _, body = raw("PUT", rtarget, rbody, h)
    check("hashlib-only signer accepted (PUT with content-type signed)",
          status == 200 and "clusterOperationArn" in json.loads(body), (status, body[:300]))
    # The fixed example from the research notes (section 1.3), through the server's verifier.
    spec = importlib.util.spec_from_file_location("kafka_test_server", SERVER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo-cluster/abcd1234-5678-90ab-cdef-1234567890ab-2"
    wire = "/v1/clusters/" + enc(arn)
    hdrs = [("Host", "kafka.us-east-1.amazonaws.com"), ("X-Amz-Date", "20240102T030405Z"),
            ("X-Amz-Security-Token", "SESSIONTOKEN123"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/kafka/aws4_request, "
                              "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=" + "0" * 64)]
    ok, msg = mod.verify_sigv4("GET", wire, hdrs, b"", {AKID: (SECRET, None)}, 0)
    expected = ("GET\n/v1/clusters/arn%253Aaws%253Akafka%253Aus-east-1%253A123456789012%253Acluster%252Fdemo-cluster"
                "%252Fabcd1234-5678-90ab-cdef-1234567890ab-2\n\nhost:kafka.us-east-1.amazonaws.com\n"
                "x-amz-date:20240102T030405Z\nx-amz-security-token:SESSIONTOKEN123\n\n"
                "host;x-amz-date;x-amz-security-token\n"
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    check("verifier's canonical request equals the research-notes example", not ok and ("\n'%s'\n" % expected) in msg,
          msg)


def test_configurations_and_created_clusters():
    c = client()
    made = c.create_configuration(Name="audit", ServerProperties=b"auto.create.topics.enable=false\n")
    check("CreateConfiguration starts at revision 1", made["LatestRevision"]["Revision"] == 1, made)
    updated = c.update_configuration(Arn=made["Arn"], ServerProperties=b"auto.create.topics.enable=true\n")
    check("UpdateConfiguration adds revision 2", updated["LatestRevision"]["Revision"] == 2, updated)
    described = c.describe_configuration(Arn=made["Arn"])
    check("DescribeConfiguration names the latest revision", described["LatestRevision"]["Revision"] == 2, described)
    revisions = c.list_configuration_revisions(Arn=made["Arn"], MaxResults=1)
    check("ListConfigurationRevisions pages oldest first", [r["Revision"] for r in revisions["Revisions"]] == [1]
          and "NextToken" in revisions, revisions)
    group = {"ClientSubnets": ["subnet-a", "subnet-b"], "InstanceType": "kafka.m5.large", "SecurityGroups": ["sg-a"]}
    logging = {"BrokerLogs": {"CloudWatchLogs": {"Enabled": True, "LogGroup": "/msk/audit"}}}
    arn = c.create_cluster(ClusterName="audited", KafkaVersion="3.5.1", NumberOfBrokerNodes=4, BrokerNodeGroupInfo=group,
                           ConfigurationInfo={"Arn": made["Arn"], "Revision": 1}, LoggingInfo=logging)["ClusterArn"]
    info = c.describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]
    check("a created cluster is ACTIVE", info["State"] == "ACTIVE", info)
    provisioned = info["Provisioned"]
    check("a created cluster answers its subnets, groups, logging and configuration",
          provisioned["BrokerNodeGroupInfo"]["ClientSubnets"] == ["subnet-a", "subnet-b"]
          and provisioned["BrokerNodeGroupInfo"]["SecurityGroups"] == ["sg-a"] and provisioned["LoggingInfo"] == logging
          and provisioned["CurrentBrokerSoftwareInfo"]["ConfigurationArn"] == made["Arn"]
          and provisioned["CurrentBrokerSoftwareInfo"]["ConfigurationRevision"] == 1, provisioned)
    subnets = [n["BrokerNodeInfo"]["ClientSubnet"] for n in c.list_nodes(ClusterArn=arn)["NodeInfoList"]]
    check("a created cluster's brokers sit in its subnets in turn", subnets == ["subnet-a", "subnet-b"] * 2, subnets)
    plain = c.describe_cluster(ClusterArn=DEMO)["ClusterInfo"]["CurrentBrokerSoftwareInfo"]
    check("a cluster on the default configuration names none", "ConfigurationArn" not in plain, plain)
    ok, got, _ = expect_client_error(lambda: c.create_cluster(
        ClusterName="stale", KafkaVersion="3.5.1", NumberOfBrokerNodes=2, BrokerNodeGroupInfo=group,
        ConfigurationInfo={"Arn": made["Arn"], "Revision": 3}), "BadRequestException", 400)
    check("CreateCluster refuses a revision the configuration lacks", ok, got)
    ok, got, _ = expect_client_error(lambda: c.describe_configuration(Arn=made["Arn"] + "x"), "NotFoundException", 404)
    check("DescribeConfiguration of an unknown ARN is NotFoundException", ok, got)


def test_wire_format():
    """Every raw body botocore received, walked against the model."""
    model = client().meta.service_model
    seen_ops = set()
    problems = []
    for op, status, headers, body in raw_responses:
        if not body:
            continue
        try:
            doc = json.loads(body)
        except ValueError:
            continue  # the malformed fault, checked elsewhere
        lower = {k.lower(): v for k, v in headers.items()}
        if not lower.get("x-amzn-requestid"):
            problems.append("%s %d: no x-amzn-RequestId" % (op, status))
        if status == 200:
            seen_ops.add(op)
            # CONTROLLER is a real value the model's NodeType enum does not list.
            problems += wire_problems(model.operation_model(op).output_shape, doc, op, ("CONTROLLER",))
        else:
            code = lower.get("x-amzn-errortype", "").split(":")[0]
            if code in model.shape_names:
                problems += wire_problems(model.shape_for(code), doc, "%s error %s" % (op, code))
            elif set(doc) != {"message"}:
                problems.append("%s error %s: body %r" % (op, code, doc))
    check("every operation answered 200 at least once", seen_ops >= set(OPERATIONS), set(OPERATIONS) - seen_ops)
    check("raw bodies use only modelled wire names and JSON types (%d responses)" % len(raw_responses),
          not problems, "\n  ".join(problems[:20]))


# ---------------------------------------------------------------------------------------------


def main():
    global PORT, BASE
    seed_file = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(SEED, seed_file)
    seed_file.close()
    proc = subprocess.Popen(
        [sys.executable, SERVER, "--seed", seed_file.name, "--with-defaults", "--reboot-polls", "2",
         "--access-key", "%s:%s" % (AKID, SECRET), "--access-key", "%s:%s:%s" % (TEMP_AKID, TEMP_SECRET, TEMP_TOKEN)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.strip().isdigit():
            print("server did not print a port: %r\n%s" % (line, proc.stderr.read()))
            return 2
        PORT = int(line)
        BASE = "http://127.0.0.1:%d" % PORT
        tests = [test_routes_match_model, test_describe_cluster, test_list_clusters, test_list_nodes_and_pagination,
                 test_bootstrap_brokers, test_not_found, test_reboot_lifecycle, test_reboot_validation,
                 test_signatures, test_independent_signer, test_faults, test_recording_and_reset,
                 test_configurations_and_created_clusters, test_wire_format]
        for t in tests:
            try:
                t()
            except Exception:
                failed.append("%s raised:\n%s" % (t.__name__, traceback.format_exc()))
        unsigned = [r for r in requests_log() if not r["signature_valid"]]
        check("no unexpected bad signatures in the final test", not unsigned, unsigned[:2])
    finally:
        proc.kill()  # by PID, the process this script started
        proc.wait()
        os.unlink(seed_file.name)
    for f in failed:
        print("FAIL", f)
    print("%d passed, %d failed" % (len(passed), len(failed)))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
