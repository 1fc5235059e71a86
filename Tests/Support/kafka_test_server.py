#!/usr/bin/env python3
"""A loopback stand-in for the Amazon MSK REST API (service "kafka", API 2018-11-14).

It exists for the Swift client's tests. It serves the operations that moto lacks or
gets wrong, and it checks every request's SigV4 signature with botocore.

Prints its port on the first line of stdout, then serves until killed.

Operations. Paths, methods, query names and wire member names follow botocore's
kafka/2018-11-14/service-2.json:
  GET  /v1/clusters/{clusterArn}                     DescribeCluster
  GET  /api/v2/clusters/{clusterArn}                 DescribeClusterV2
  GET  /api/v2/clusters                              ListClustersV2   (clusterNameFilter, clusterTypeFilter, maxResults, nextToken)
  GET  /v1/clusters/{clusterArn}/nodes               ListNodes        (maxResults, nextToken)
  GET  /v1/clusters/{clusterArn}/bootstrap-brokers   GetBootstrapBrokers
  PUT  /v1/clusters/{clusterArn}/reboot-broker       RebootBroker     (body {"brokerIds":["1"]})
  GET  /v1/operations/{clusterOperationArn}          DescribeClusterOperation
  GET  /api/v2/operations/{clusterOperationArn}      DescribeClusterOperationV2
  GET  /v1/clusters/{clusterArn}/operations          ListClusterOperations   (maxResults, nextToken)
  GET  /api/v2/clusters/{clusterArn}/operations      ListClusterOperationsV2 (maxResults, nextToken)
  POST /v1/clusters                                  CreateCluster
  POST /v1/configurations                            CreateConfiguration
  GET  /v1/configurations/{arn}                      DescribeConfiguration
  PUT  /v1/configurations/{arn}                      UpdateConfiguration
  GET  /v1/configurations/{arn}/revisions            ListConfigurationRevisions (maxResults, nextToken)
The ARN is one path segment, percent-encoded, as in
/v1/clusters/arn%3Aaws%3Akafka%3Aus-east-1%3A123456789012%3Acluster%2Fdemo%2Fabcd-1/nodes

CreateCluster, CreateConfiguration and UpdateConfiguration exist so that a test can build the
cluster an audit reads (msk.audit) with boto3, which serialises by the same model. A created
cluster is ACTIVE at once, as there is nothing to provision. CreateCluster checks the model's
required members and that configurationInfo names a configuration and revision this server
has; it does not check what MSK checks against EC2 (client subnets in distinct Availability
Zones, a broker count that is a multiple of them), since the subnets live in another server
(moto), and an audit must be able to see clusters that break those rules. A cluster's
brokerNodeGroupInfo (clientSubnets, securityGroups), loggingInfo and configurationInfo are
answered as given: configurationInfo as currentBrokerSoftwareInfo's configurationArn and
configurationRevision, which a cluster on MSK's default configuration does not have. Seeds
may carry the same three members.

Control endpoints (unsigned, not recorded):
  GET  /_test/requests   every recorded API request, oldest first
  POST /_test/reset      clear requests and faults; restore the seeded clusters and --reboot-polls
  POST /_test/faults     append fault rules: [{"operation": "RebootBroker"|"*", "times": N,
                         "kind": "throttle"|"error500"|"unavailable503"|"slow"|"reset"|"malformed",
                         "delay_ms": 1000}]
  GET  /_test/faults     the rules still pending
  POST /_test/config     {"rebootPolls": N}; GET /_test/config shows it

Flags: --port N, --seed FILE (repeatable), --with-defaults, --access-key AKID:SECRET[:TOKEN]
(repeatable), --reboot-polls N, --max-skew SECONDS, --verbose. Run with --help for details.
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from urllib.parse import unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4_check  # noqa: E402  botocore recomputes the SigV4 signatures there
from request_body import AWSTestHandler  # noqa: E402

DEFAULT_KEY = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SERVICE = "kafka"

# AWS rest-json services name the error in the x-amzn-ErrorType header as
# "<Code>:<namespace URI>". botocore keeps only the part before ':'.
# Modelled MSK errors come from the kafka namespace. Authentication errors are
# raised by the Coral front end, so they use the generic service namespace.
KAFKA_ERROR_NS = "http://internal.amazon.com/coral/com.amazon.kafka/"
CORAL_ERROR_NS = "http://internal.amazon.com/coral/com.amazon.coral.service/"

# (method, path template, operation). Each {label} matches exactly one path segment.
ROUTES = [
    ("GET", "/v1/clusters/{clusterArn}", "DescribeCluster"),
    ("GET", "/api/v2/clusters/{clusterArn}", "DescribeClusterV2"),
    ("GET", "/api/v2/clusters", "ListClustersV2"),
    ("GET", "/v1/clusters/{clusterArn}/nodes", "ListNodes"),
    ("GET", "/v1/clusters/{clusterArn}/bootstrap-brokers", "GetBootstrapBrokers"),
    ("PUT", "/v1/clusters/{clusterArn}/reboot-broker", "RebootBroker"),
    ("GET", "/v1/operations/{clusterOperationArn}", "DescribeClusterOperation"),
    ("GET", "/api/v2/operations/{clusterOperationArn}", "DescribeClusterOperationV2"),
    ("GET", "/v1/clusters/{clusterArn}/operations", "ListClusterOperations"),
    ("GET", "/api/v2/clusters/{clusterArn}/operations", "ListClusterOperationsV2"),
    ("POST", "/v1/clusters", "CreateCluster"),
    ("POST", "/v1/configurations", "CreateConfiguration"),
    ("GET", "/v1/configurations/{arn}", "DescribeConfiguration"),
    ("PUT", "/v1/configurations/{arn}", "UpdateConfiguration"),
    ("GET", "/v1/configurations/{arn}/revisions", "ListConfigurationRevisions"),
]

CLUSTER_STATES = ["ACTIVE", "CREATING", "DELETING", "FAILED", "HEALING",
                  "MAINTENANCE", "REBOOTING_BROKER", "UPDATING"]
FAULT_KINDS = ["throttle", "error500", "unavailable503", "slow", "reset", "malformed"]
DEFAULT_PAGE_SIZE = 10  # used when a List* request has no maxResults

# Used when --seed is not given, or together with it when --with-defaults is given.
DEFAULT_CLUSTERS = [
    {"name": "demo", "arn": "arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd-1",
     "brokerCount": 3, "kafkaVersion": "3.5.1", "kraft": False, "state": "ACTIVE"},
    {"name": "demo-kraft", "arn": "arn:aws:kafka:us-east-1:123456789012:cluster/demo-kraft/efgh-2",
     "brokerCount": 3, "kafkaVersion": "3.7.x.kraft", "kraft": True, "state": "ACTIVE"},
]
SEED_CREATION_TIME = datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)


class ApiError(Exception):
    """An AWS rest-json error: HTTP status, error code, message, optional invalidParameter."""

    def __init__(self, status, code, message, invalid_parameter=None, namespace=KAFKA_ERROR_NS):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.invalid_parameter = invalid_parameter
        self.namespace = namespace


def bad_request(message, parameter=None):
    return ApiError(400, "BadRequestException", message, parameter)


def iso_ms(dt):
    """ISO 8601 in UTC with milliseconds, e.g. 2024-01-02T03:04:05.678Z, as MSK sends."""
    dt = dt.astimezone(datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


now_utc = sigv4_check.now_utc


# ---------------------------------------------------------------------------------------------
# Seed data


def normalise_seed_cluster(entry, index):
    """Turn one seed entry into the server's cluster record. Accepts camelCase or snake_case keys."""
    def pick(*names, default=None):
        for n in names:
            if n in entry:
                return entry[n]
        return default

    name = pick("name", "clusterName")
    if not isinstance(name, str) or not name:
        raise ValueError("seed cluster #%d needs a non-empty string 'name'" % index)
    # A missing ARN gets a stable made-up one, in the real format cluster/<name>/<uuid>-<n>.
    arn = pick("arn", "clusterArn") or "arn:aws:kafka:us-east-1:123456789012:cluster/%s/%s-%d" % (
        name, uuid.uuid5(uuid.NAMESPACE_URL, name), index + 1)
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "kafka" or not parts[5].startswith("cluster/"):
        raise ValueError("seed cluster %r: arn %r is not arn:aws:kafka:<region>:<account>:cluster/..." % (name, arn))
    kraft = bool(pick("kraft", default=False))
    state = pick("state", default="ACTIVE")
    if state not in CLUSTER_STATES:
        raise ValueError("seed cluster %r: state %r is not one of %s" % (name, state, CLUSTER_STATES))
    brokers = int(pick("brokerCount", "broker_count", "brokers", "numberOfBrokerNodes", default=3))
    if brokers < 1:
        raise ValueError("seed cluster %r: broker count must be at least 1" % name)
    # A cluster whose brokers and ZooKeeper are real peers on loopback (make demo): each broker's
    # plaintext endpoint as host:port, and a ZooKeeper connect string, both served as given.
    endpoints = pick("brokerEndpoints", "broker_endpoints")
    if endpoints is not None:
        if not isinstance(endpoints, list) or not endpoints or not all(
                isinstance(e, str) and e.rpartition(":")[2].isdigit() for e in endpoints):
            raise ValueError("seed cluster %r: brokerEndpoints must be a list of host:port strings" % name)
        brokers = len(endpoints)
    zookeeper = pick("zookeeperConnectString", "zookeeper_connect_string")
    if zookeeper is not None and not isinstance(zookeeper, str):
        raise ValueError("seed cluster %r: zookeeperConnectString must be a string" % name)
    client_broker = pick("clientBroker", "client_broker", default="PLAINTEXT" if endpoints else "TLS_PLAINTEXT")
    if client_broker not in ("TLS", "TLS_PLAINTEXT", "PLAINTEXT"):
        raise ValueError("seed cluster %r: clientBroker must be TLS, TLS_PLAINTEXT or PLAINTEXT" % name)
    return {
        "name": name,
        "arn": arn,
        "region": parts[3],
        "account": parts[4],
        "brokerCount": brokers,
        "kafkaVersion": pick("kafkaVersion", "kafka_version", default="3.7.x.kraft" if kraft else "3.5.1"),
        "kraft": kraft,
        "state": state,
        "clientBroker": client_broker,
        "iam": bool(pick("iam", default=True)),
        "scram": bool(pick("scram", default=False)),
        "creationTime": SEED_CREATION_TIME + datetime.timedelta(minutes=index),
        # Hostname fragment, like the "abc123.c2" part of b-1.demo.abc123.c2.kafka.<region>.amazonaws.com
        "hostId": hashlib.sha1(arn.encode()).hexdigest()[:6],
        "activeOperationArn": None,
        "brokerNodeGroupInfo": pick("brokerNodeGroupInfo"),
        "loggingInfo": pick("loggingInfo"),
        "configurationInfo": pick("configurationInfo"),
        "brokerEndpoints": endpoints,
        "zookeeperConnectString": zookeeper,
    }


def load_seed(files, with_defaults):
    entries = []
    if not files or with_defaults:
        entries.extend(DEFAULT_CLUSTERS)
    for path in files:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if not isinstance(data, list):
            raise ValueError("%s: the seed must be a JSON list of clusters" % path)
        entries.extend(data)
    clusters = [normalise_seed_cluster(e, i) for i, e in enumerate(entries)]
    seen = set()
    for c in clusters:
        if c["arn"] in seen:
            raise ValueError("duplicate cluster arn %s" % c["arn"])
        seen.add(c["arn"])
    return clusters


# ---------------------------------------------------------------------------------------------
# Response builders (wire names are the model's camelCase locationNames)


def broker_hosts(c):
    if c["brokerEndpoints"]:
        return list(c["brokerEndpoints"])
    name = c["name"].lower()
    return ["b-%d.%s.%s.c2.kafka.%s.amazonaws.com" % (i, name, c["hostId"], c["region"])
            for i in range(1, c["brokerCount"] + 1)]


def controller_hosts(c):
    # KRaft controllers are named c-10001, c-10002, ... [PR statsbomb/prometheus-msk-discovery #19]
    name = c["name"].lower()
    return ["c-%d.%s.%s.c2.kafka.%s.amazonaws.com" % (10000 + i, name, c["hostId"], c["region"])
            for i in range(1, 4)]


def zookeeper_hosts(c):
    name = c["name"].lower()
    return ["z-%d.%s.%s.c2.kafka.%s.amazonaws.com" % (i, name, c["hostId"], c["region"])
            for i in range(1, 4)]


def broker_node_group_info(c):
    info = {
        "brokerAZDistribution": "DEFAULT",
        "clientSubnets": ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"],
        "instanceType": "kafka.m5.large",
        "securityGroups": ["sg-0123456789abcdef0"],
        "storageInfo": {"ebsStorageInfo": {"volumeSize": 100}},
    }
    info.update(c.get("brokerNodeGroupInfo") or {})
    return info


def broker_software_info(c):
    info = {"kafkaVersion": c["kafkaVersion"]}
    if c.get("configurationInfo"):
        info["configurationArn"] = c["configurationInfo"]["arn"]
        info["configurationRevision"] = c["configurationInfo"]["revision"]
    return info


def client_authentication(c):
    return {
        "sasl": {"scram": {"enabled": c["scram"]}, "iam": {"enabled": c["iam"]}},
        "tls": {"enabled": False},
        "unauthenticated": {"enabled": not (c["iam"] or c["scram"])},
    }


def provisioned_fields(c):
    """Fields shared by V1 ClusterInfo (top level) and V2 Cluster.provisioned."""
    fields = {
        "brokerNodeGroupInfo": broker_node_group_info(c),
        "clientAuthentication": client_authentication(c),
        "currentBrokerSoftwareInfo": broker_software_info(c),
        "encryptionInfo": {
            "encryptionAtRest": {"dataVolumeKMSKeyId": "arn:aws:kms:%s:%s:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                                 % (c["region"], c["account"])},
            "encryptionInTransit": {"clientBroker": c["clientBroker"], "inCluster": True},
        },
        "enhancedMonitoring": "DEFAULT",
        "openMonitoring": {"prometheus": {"jmxExporter": {"enabledInBroker": True},
                                          "nodeExporter": {"enabledInBroker": True}}},
        "loggingInfo": c.get("loggingInfo") or {"brokerLogs": {"cloudWatchLogs": {"enabled": False}}},
        "numberOfBrokerNodes": c["brokerCount"],
        "storageMode": "LOCAL",
        "customerActionStatus": "NONE",
    }
    if c["zookeeperConnectString"]:
        fields["zookeeperConnectString"] = c["zookeeperConnectString"]
    elif not c["kraft"]:
        # A KRaft cluster has no ZooKeeper, so both strings are left out. (That is a guess;
        # no authoritative sample exists, see the research notes section 1.4.)
        fields["zookeeperConnectString"] = ",".join(h + ":2181" for h in zookeeper_hosts(c))
        fields["zookeeperConnectStringTls"] = ",".join(h + ":2182" for h in zookeeper_hosts(c))
    return fields


def current_version(c):
    return "K" + hashlib.sha1(("v" + c["arn"]).encode()).hexdigest()[:13].upper()


def cluster_info_v1(c):
    info = {
        "clusterArn": c["arn"],
        "clusterName": c["name"],
        "creationTime": iso_ms(c["creationTime"]),
        "currentVersion": current_version(c),
        "state": c["state"],
        "tags": {},
    }
    if c["activeOperationArn"]:
        info["activeOperationArn"] = c["activeOperationArn"]
    info.update(provisioned_fields(c))
    return info


def cluster_v2(c):
    info = {
        "clusterType": "PROVISIONED",
        "clusterArn": c["arn"],
        "clusterName": c["name"],
        "creationTime": iso_ms(c["creationTime"]),
        "currentVersion": current_version(c),
        "state": c["state"],
        "tags": {},
        "provisioned": provisioned_fields(c),
    }
    if c["activeOperationArn"]:
        info["activeOperationArn"] = c["activeOperationArn"]
    return info


def node_list(c):
    nodes = []
    cluster_id = c["arn"].split("/", 1)[1]  # "<name>/<uuid>"
    subnets = broker_node_group_info(c)["clientSubnets"]
    for i, host in enumerate(broker_hosts(c), start=1):
        nodes.append({
            "addedToClusterTime": iso_ms(c["creationTime"]),
            "brokerNodeInfo": {
                "attachedENIId": "eni-0%015x" % (int(c["hostId"], 16) * 16 + i),
                # brokerId is a double in the model, so it goes on the wire as 1.0, 2.0, ...
                "brokerId": float(i),
                "clientSubnet": subnets[(i - 1) % len(subnets)],
                "clientVpcIpAddress": "10.0.%d.%d" % ((i - 1) % 3 + 1, 10 + i),
                "currentBrokerSoftwareInfo": {"kafkaVersion": c["kafkaVersion"]},
                "endpoints": [host],
            },
            "instanceType": "kafka.m5.large",
            "nodeARN": "arn:aws:kafka:%s:%s:broker/%s/%s" % (
                c["region"], c["account"], cluster_id, uuid.uuid5(uuid.NAMESPACE_URL, host)),
            "nodeType": "BROKER",
        })
    if c["kraft"]:
        # KRaft controllers: "nodeType": "CONTROLLER" is not in the model's NodeType enum.
        # The other members are explicit nulls, as in the one real sample seen.
        for host in controller_hosts(c):
            nodes.append({
                "addedToClusterTime": None,
                "brokerNodeInfo": None,
                "controllerNodeInfo": {"endpoints": [host]},
                "instanceType": None,
                "nodeARN": None,
                "nodeType": "CONTROLLER",
                "zookeeperNodeInfo": None,
            })
    return nodes


def bootstrap_brokers(c):
    hosts = broker_hosts(c)

    def join(port):
        return ",".join("%s:%d" % (h, port) for h in hosts)

    if c["brokerEndpoints"]:
        return {"bootstrapBrokerString": ",".join(hosts)}
    out = {}
    if c["clientBroker"] in ("PLAINTEXT", "TLS_PLAINTEXT"):
        out["bootstrapBrokerString"] = join(9092)
    if c["clientBroker"] in ("TLS", "TLS_PLAINTEXT"):
        out["bootstrapBrokerStringTls"] = join(9094)
        if c["scram"]:
            out["bootstrapBrokerStringSaslScram"] = join(9096)
        if c["iam"]:
            out["bootstrapBrokerStringSaslIam"] = join(9098)
    return out


def operation_v1(op):
    info = {
        "clientRequestId": op["clientRequestId"],
        "clusterArn": op["clusterArn"],
        "creationTime": iso_ms(op["creationTime"]),
        "operationArn": op["operationArn"],
        "operationState": op["operationState"],
        "operationType": op["operationType"],
    }
    if op["endTime"]:
        info["endTime"] = iso_ms(op["endTime"])
    return info


def operation_v2_summary(op):
    info = {
        "clusterArn": op["clusterArn"],
        "clusterType": "PROVISIONED",
        "startTime": iso_ms(op["creationTime"]),
        "operationArn": op["operationArn"],
        "operationState": op["operationState"],
        "operationType": op["operationType"],
    }
    if op["endTime"]:
        info["endTime"] = iso_ms(op["endTime"])
    return info


def operation_v2(op):
    return operation_v2_summary(op)


# ---------------------------------------------------------------------------------------------
# State and operations


class Service:
    def __init__(self, seed, reboot_polls):
        self.lock = threading.Lock()
        self.seed = seed
        self.default_reboot_polls = reboot_polls
        self.reset()

    def reset(self):
        with self.lock:
            # Deep-copy the seed records so that a reset restores them.
            self.clusters = {c["arn"]: dict(c) for c in self.seed}
            self.operations = {}  # operationArn -> record, in creation order
            self.configurations = {}  # arn -> record with its revisions, oldest first
            self.requests = []
            self.faults = []
            self.reboot_polls = self.default_reboot_polls

    # -- helpers (call with the lock held) --

    def cluster(self, arn):
        c = self.clusters.get(arn)
        if c is None:
            raise ApiError(404, "NotFoundException",
                           "The requested resource was not found. Cluster %s does not exist." % arn,
                           "clusterArn")
        return c

    def operation(self, arn):
        op = self.operations.get(arn)
        if op is None:
            raise ApiError(404, "NotFoundException",
                           "The requested resource was not found. Cluster operation %s does not exist." % arn,
                           "clusterOperationArn")
        return op

    def complete(self, op):
        op["operationState"] = "REBOOT_COMPLETE"
        op["endTime"] = now_utc()
        c = self.clusters.get(op["clusterArn"])
        if c is not None and c["activeOperationArn"] == op["operationArn"]:
            c["activeOperationArn"] = None
            c["state"] = "ACTIVE"

    def poll(self, op):
        # The first `reboot_polls` describe calls see REBOOT_IN_PROGRESS; the next one completes it.
        op["polls"] += 1
        if op["operationState"] == "REBOOT_IN_PROGRESS" and op["polls"] > self.reboot_polls:
            self.complete(op)

    def ops_for(self, cluster_arn):
        ops = [op for op in self.operations.values() if op["clusterArn"] == cluster_arn]
        ops.reverse()  # newest first
        return ops

    # -- dispatch --

    def call(self, operation, params, query, body):
        with self.lock:
            return getattr(self, "op_" + operation)(params, query, body)

    def op_DescribeCluster(self, params, query, body):
        return {"clusterInfo": cluster_info_v1(self.cluster(params["clusterArn"]))}

    def op_DescribeClusterV2(self, params, query, body):
        return {"clusterInfo": cluster_v2(self.cluster(params["clusterArn"]))}

    def op_ListClustersV2(self, params, query, body):
        clusters = list(self.clusters.values())
        prefix = query.get("clusterNameFilter")
        if prefix:
            clusters = [c for c in clusters if c["name"].startswith(prefix)]
        type_filter = query.get("clusterTypeFilter")
        if type_filter is not None:
            if type_filter not in ("PROVISIONED", "SERVERLESS"):
                raise bad_request("clusterTypeFilter must be PROVISIONED or SERVERLESS.", "clusterTypeFilter")
            if type_filter == "SERVERLESS":
                clusters = []  # every cluster here is provisioned
        page, token = paginate(clusters, query, "ListClustersV2")
        return with_token({"clusterInfoList": [cluster_v2(c) for c in page]}, token)

    def op_ListNodes(self, params, query, body):
        c = self.cluster(params["clusterArn"])
        page, token = paginate(node_list(c), query, "ListNodes:" + c["arn"])
        return with_token({"nodeInfoList": page}, token)

    def op_GetBootstrapBrokers(self, params, query, body):
        return bootstrap_brokers(self.cluster(params["clusterArn"]))

    def op_RebootBroker(self, params, query, body):
        c = self.cluster(params["clusterArn"])
        broker_ids = parse_reboot_body(body)
        valid = [str(i) for i in range(1, c["brokerCount"] + 1)]
        if broker_ids[0] not in valid:
            raise bad_request("Broker ID %s is not valid for this cluster. Valid broker IDs: %s."
                              % (broker_ids[0], ", ".join(valid)), "brokerIds")
        if c["state"] != "ACTIVE":
            # The MSK developer guide: the cluster must be ACTIVE to reboot a broker.
            raise bad_request("The cluster must be in the ACTIVE state to reboot a broker. It is %s." % c["state"],
                              "clusterArn")
        cluster_part = c["arn"].split("/", 1)[1]  # "<name>/<cluster uuid>"
        op_arn = "arn:aws:kafka:%s:%s:cluster-operation/%s/%s" % (c["region"], c["account"], cluster_part, uuid.uuid4())
        self.operations[op_arn] = {
            "operationArn": op_arn,
            "clusterArn": c["arn"],
            "clientRequestId": str(uuid.uuid4()),
            "operationType": "REBOOT_NODE",
            "operationState": "REBOOT_IN_PROGRESS",
            "creationTime": now_utc(),
            "endTime": None,
            "polls": 0,
            "brokerIds": broker_ids,
        }
        c["state"] = "REBOOTING_BROKER"
        c["activeOperationArn"] = op_arn
        return {"clusterArn": c["arn"], "clusterOperationArn": op_arn}

    def op_DescribeClusterOperation(self, params, query, body):
        op = self.operation(params["clusterOperationArn"])
        self.poll(op)
        return {"clusterOperationInfo": operation_v1(op)}

    def op_DescribeClusterOperationV2(self, params, query, body):
        op = self.operation(params["clusterOperationArn"])
        self.poll(op)
        return {"clusterOperationInfo": operation_v2(op)}

    def op_ListClusterOperations(self, params, query, body):
        c = self.cluster(params["clusterArn"])
        page, token = paginate(self.ops_for(c["arn"]), query, "ListClusterOperations:" + c["arn"])
        return with_token({"clusterOperationInfoList": [operation_v1(op) for op in page]}, token)

    def op_ListClusterOperationsV2(self, params, query, body):
        c = self.cluster(params["clusterArn"])
        page, token = paginate(self.ops_for(c["arn"]), query, "ListClusterOperationsV2:" + c["arn"])
        return with_token({"clusterOperationInfoList": [operation_v2_summary(op) for op in page]}, token)

    def op_CreateCluster(self, params, query, body):
        doc = json_body(body, required={"brokerNodeGroupInfo": dict, "kafkaVersion": str,
                                        "numberOfBrokerNodes": int, "clusterName": str})
        group = doc["brokerNodeGroupInfo"]
        for member, kind in (("clientSubnets", list), ("instanceType", str)):
            if not isinstance(group.get(member), kind):
                raise bad_request("brokerNodeGroupInfo.%s is a required member." % member, "brokerNodeGroupInfo")
        if not group["clientSubnets"]:
            raise bad_request("brokerNodeGroupInfo.clientSubnets must name at least one subnet.", "clientSubnets")
        if any(c["name"] == doc["clusterName"] for c in self.clusters.values()):
            raise ApiError(409, "ConflictException", "A cluster named %s already exists." % doc["clusterName"])
        configuration = doc.get("configurationInfo")
        if configuration is not None:
            if not isinstance(configuration, dict) or not isinstance(configuration.get("arn"), str) \
                    or not isinstance(configuration.get("revision"), int):
                raise bad_request("configurationInfo needs arn and revision.", "configurationInfo")
            known = self.configurations.get(configuration["arn"])
            if known is None or not 1 <= configuration["revision"] <= len(known["revisions"]):
                raise bad_request("Configuration %s has no revision %d." % (configuration["arn"], configuration["revision"]),
                                  "configurationInfo")
        entry = {"name": doc["clusterName"], "brokerCount": doc["numberOfBrokerNodes"],
                 "kafkaVersion": doc["kafkaVersion"], "brokerNodeGroupInfo": group,
                 "loggingInfo": doc.get("loggingInfo"), "configurationInfo": configuration,
                 "arn": "arn:aws:kafka:us-east-1:123456789012:cluster/%s/%s-%d" % (
                     doc["clusterName"], uuid.uuid4(), len(self.clusters) + 1)}
        try:
            c = normalise_seed_cluster(entry, len(self.clusters))
        except ValueError as e:
            raise bad_request(str(e))
        c["creationTime"] = now_utc()
        self.clusters[c["arn"]] = c
        return {"clusterArn": c["arn"], "clusterName": c["name"], "state": c["state"]}

    def op_CreateConfiguration(self, params, query, body):
        doc = json_body(body, required={"name": str, "serverProperties": str})
        if any(c["name"] == doc["name"] for c in self.configurations.values()):
            raise ApiError(409, "ConflictException", "A configuration named %s already exists." % doc["name"])
        arn = "arn:aws:kafka:us-east-1:123456789012:configuration/%s/%s-%d" % (
            doc["name"], uuid.uuid4(), len(self.configurations) + 1)
        record = {"arn": arn, "name": doc["name"], "creationTime": now_utc(),
                  "description": doc.get("description", ""), "kafkaVersions": doc.get("kafkaVersions", []),
                  "revisions": []}
        self.add_revision(record, doc)
        self.configurations[arn] = record
        return {"arn": arn, "creationTime": iso_ms(record["creationTime"]),
                "latestRevision": revision_info(record["revisions"][-1]), "name": record["name"], "state": "ACTIVE"}

    def op_UpdateConfiguration(self, params, query, body):
        record = self.configuration(params["arn"])
        self.add_revision(record, json_body(body, required={"serverProperties": str}))
        return {"arn": record["arn"], "latestRevision": revision_info(record["revisions"][-1])}

    def op_DescribeConfiguration(self, params, query, body):
        record = self.configuration(params["arn"])
        return {"arn": record["arn"], "creationTime": iso_ms(record["creationTime"]), "description": record["description"],
                "kafkaVersions": record["kafkaVersions"], "latestRevision": revision_info(record["revisions"][-1]),
                "name": record["name"], "state": "ACTIVE"}

    def op_ListConfigurationRevisions(self, params, query, body):
        record = self.configuration(params["arn"])
        page, token = paginate(record["revisions"], query, "ListConfigurationRevisions:" + record["arn"])
        return with_token({"revisions": [revision_info(r) for r in page]}, token)

    def configuration(self, arn):
        record = self.configurations.get(arn)
        if record is None:
            raise ApiError(404, "NotFoundException",
                           "The requested resource was not found. Configuration %s does not exist." % arn, "arn")
        return record

    @staticmethod
    def add_revision(record, doc):
        try:
            properties = base64.b64decode(doc["serverProperties"].encode(), validate=True)
        except ValueError:
            raise bad_request("serverProperties must be base64.", "serverProperties")
        record["revisions"].append({"revision": len(record["revisions"]) + 1, "creationTime": now_utc(),
                                    "description": doc.get("description", ""), "serverProperties": properties})

    # -- faults --

    def add_faults(self, rules):
        if isinstance(rules, dict):
            rules = [rules]
        if not isinstance(rules, list):
            raise ValueError("expected a JSON list of fault rules")
        clean = []
        for r in rules:
            if not isinstance(r, dict):
                raise ValueError("each fault rule must be an object")
            kind = r.get("kind")
            if kind not in FAULT_KINDS:
                raise ValueError("fault kind must be one of %s, got %r" % (FAULT_KINDS, kind))
            op = r.get("operation", "*")
            if op != "*" and op not in [name for _, _, name in ROUTES]:
                raise ValueError("unknown operation %r (use an operation name or \"*\")" % op)
            times = int(r.get("times", 1))
            clean.append({"operation": op, "times": times, "kind": kind,
                          "delay_ms": int(r.get("delay_ms", 1000))})
        with self.lock:
            self.faults.extend(f for f in clean if f["times"] > 0)
            return list(self.faults)

    def take_fault(self, operation):
        """Consume one use of the first pending rule that matches `operation`."""
        with self.lock:
            for f in self.faults:
                if f["operation"] in ("*", operation):
                    f["times"] -= 1
                    if f["times"] <= 0:
                        self.faults.remove(f)
                    return dict(f)
        return None


def json_body(body, required):
    """The request body as a JSON object whose `required` members ({name: type}) are present and typed."""
    try:
        doc = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise bad_request("The request body is not valid JSON.")
    if not isinstance(doc, dict):
        raise bad_request("The request body must be a JSON object.")
    for name, kind in required.items():
        # bool is an int in Python; the model's integers are never booleans.
        if not isinstance(doc.get(name), kind) or isinstance(doc.get(name), bool):
            raise bad_request("%s is a required member of type %s." % (name, kind.__name__), name)
    return doc


def revision_info(revision):
    return {"creationTime": iso_ms(revision["creationTime"]), "description": revision["description"],
            "revision": revision["revision"]}


def with_token(payload, token):
    if token is not None:
        payload["nextToken"] = token
    return payload


def paginate(items, query, scope):
    """maxResults/nextToken paging. Tokens are opaque base64 and valid only for the same list."""
    raw_max = query.get("maxResults")
    if raw_max is None:
        max_results = DEFAULT_PAGE_SIZE
    else:
        try:
            max_results = int(raw_max)
        except ValueError:
            raise bad_request("maxResults must be an integer.", "maxResults")
        if not 1 <= max_results <= 100:
            raise bad_request("maxResults must be between 1 and 100.", "maxResults")
    start = 0
    token = query.get("nextToken")
    if token:
        try:
            decoded = json.loads(base64.b64decode(token.encode(), validate=True))
            if decoded["scope"] != scope:
                raise ValueError("token for another list")
            start = int(decoded["offset"])
        except Exception:
            raise bad_request("The nextToken is not valid.", "nextToken")
    page = items[start:start + max_results]
    next_token = None
    if start + max_results < len(items):
        # Standard base64 (with + / =), so a client must percent-encode it in the query.
        next_token = base64.b64encode(json.dumps({"scope": scope, "offset": start + max_results}).encode()).decode()
    return page, next_token


def parse_reboot_body(body):
    """The body must be exactly {"brokerIds": [<one string>]}."""
    try:
        doc = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise bad_request("The request body is not valid JSON.")
    if not isinstance(doc, dict):
        raise bad_request("The request body must be a JSON object with the member brokerIds.", "brokerIds")
    extra = sorted(k for k in doc if k != "brokerIds")
    if extra:
        raise bad_request("Unknown member(s) in the request body: %s. Only brokerIds is allowed." % ", ".join(extra),
                          extra[0])
    if "brokerIds" not in doc:
        raise bad_request("brokerIds is a required member.", "brokerIds")
    ids = doc["brokerIds"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request("brokerIds must be a list of strings.", "brokerIds")
    if len(ids) != 1:
        # The MSK developer guide: "reboots only one broker at a time".
        raise bad_request("Specify exactly one broker ID; the reboot-broker operation reboots one broker at a time.",
                          "brokerIds")
    return ids


# ---------------------------------------------------------------------------------------------
# SigV4 verification (shared with sigv4_proxy.py, in sigv4_check.py)


def verify_sigv4(method, target, headers, body, keys, max_skew, now=None):
    """Check the signature of a received request, scoped to the kafka service.

    method: HTTP method; target: request target exactly as received (percent-encoded path
    plus ?query); headers: list of (name, value) as received; body: bytes;
    keys: {akid: (secret, token or None)}. Returns (True, None) or (False, reason).
    """
    result = sigv4_check.verify(method, target, headers, body, keys, max_skew, service=SERVICE, now=now)
    return result.ok, result.message


# ---------------------------------------------------------------------------------------------
# HTTP


def match_route(method, raw_path):
    """Return (operation, {label: decoded value}) or (None, None)."""
    segments = raw_path.split("/")
    for route_method, template, operation in ROUTES:
        parts = template.split("/")
        if len(parts) != len(segments):
            continue
        params = {}
        for want, got in zip(parts, segments):
            if want.startswith("{"):
                if not got:
                    break
                params[want[1:-1]] = unquote(got)
            elif want != got:
                break
        else:
            if route_method == method:
                return operation, params
    return None, None


def parse_query(raw_query):
    """Decode ?a=b&c=d with RFC 3986 rules ('+' is a literal plus). A repeated name keeps its last value."""
    out = {}
    if raw_query:
        for pair in raw_query.split("&"):
            if pair:
                k, _, v = pair.partition("=")
                out[unquote(k)] = unquote(v)
    return out


class Handler(AWSTestHandler):
    server_name = "kafka-test-server"

    def send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))  # every response, as AWS does
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    @staticmethod
    def error_response(err):
        """(status, body, headers) for an AWS rest-json error."""
        payload = {"message": err.message}
        if err.invalid_parameter is not None:
            payload["invalidParameter"] = err.invalid_parameter
        return (err.status, json.dumps(payload).encode(),
                [("x-amzn-ErrorType", "%s:%s" % (err.code, err.namespace))])

    def handle_any(self):
        body = self.read_body()
        target = self.path  # the request target exactly as received, still percent-encoded
        raw_path, _, raw_query = target.partition("?")
        if raw_path.startswith("/_test/"):
            return self.handle_control(raw_path, body)

        service = self.server.service
        operation, params = match_route(self.command, raw_path)
        headers = list(self.headers.items())
        ok, reason = verify_sigv4(self.command, target, headers, body, self.server.keys, self.server.max_skew)
        record = {
            "method": self.command,
            "path": raw_path,
            "raw_query": raw_query,
            "query": parse_query(raw_query),
            "headers": {},
            "body": body.decode("utf-8", "replace"),
            "signature_valid": ok,
            "signature_error": reason,
            "operation": operation or "Unknown",
            "fault": None,
            "status": None,
        }
        for name, value in headers:
            key = name.lower()
            record["headers"][key] = record["headers"][key] + "," + value if key in record["headers"] else value
        with service.lock:
            service.requests.append(record)

        fault = service.take_fault(record["operation"])
        if fault:
            record["fault"] = fault["kind"]
            kind = fault["kind"]
            if kind == "reset":
                # Linger 0 then shutdown: the client sees a reset or an empty reply, never an answer.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.close_connection = True
                return
            canned = {
                "throttle": ApiError(429, "TooManyRequestsException", "Too Many Requests"),
                "error500": ApiError(500, "InternalServerErrorException",
                                     "We encountered an internal error. Please try again."),
                "unavailable503": ApiError(503, "ServiceUnavailableException",
                                           "The service is temporarily unavailable. Please try again."),
            }
            if kind in canned:
                status, out, extra = self.error_response(canned[kind])
                record["status"] = status
                return self.send(status, out, extra)
            if kind == "slow":
                time.sleep(fault["delay_ms"] / 1000.0)

        if not ok:
            err = ApiError(403, "InvalidSignatureException", reason, namespace=CORAL_ERROR_NS)
            status, out, extra = self.error_response(err)
        elif operation is None:
            err = ApiError(404, "UnknownOperationException", "No operation matches %s %s." % (self.command, raw_path),
                           namespace=CORAL_ERROR_NS)
            status, out, extra = self.error_response(err)
        else:
            try:
                status, out, extra = 200, json.dumps(service.call(operation, params, record["query"], body)).encode(), []
            except ApiError as err:
                status, out, extra = self.error_response(err)

        if fault and fault["kind"] == "malformed":
            # 200 with a cut-off JSON body (Content-Length matches what is sent).
            status, out, extra = 200, out[:max(1, len(out) // 2)], []
        record["status"] = status
        self.send(status, out, extra)

    def handle_control(self, path, body):
        service = self.server.service
        try:
            doc = json.loads(body) if body.strip() else None
        except ValueError:
            return self.send(400, json.dumps({"message": "body is not JSON"}).encode())
        try:
            if path == "/_test/requests" and self.command == "GET":
                with service.lock:
                    out = json.dumps(service.requests)
            elif path == "/_test/reset" and self.command == "POST":
                service.reset()
                out = json.dumps({"reset": True})
            elif path == "/_test/faults" and self.command == "POST":
                out = json.dumps({"faults": service.add_faults(doc)})
            elif path == "/_test/faults" and self.command == "GET":
                with service.lock:
                    out = json.dumps({"faults": service.faults})
            elif path == "/_test/config" and self.command == "POST":
                if not isinstance(doc, dict) or not isinstance(doc.get("rebootPolls"), int) or doc["rebootPolls"] < 0:
                    raise ValueError('expected {"rebootPolls": <non-negative integer>}')
                with service.lock:
                    service.reboot_polls = doc["rebootPolls"]
                out = json.dumps({"rebootPolls": doc["rebootPolls"]})
            elif path == "/_test/config" and self.command == "GET":
                out = json.dumps({"rebootPolls": service.reboot_polls})
            else:
                return self.send(404, json.dumps({"message": "no control endpoint %s %s" % (self.command, path)}).encode())
        except (ValueError, TypeError) as e:
            return self.send(400, json.dumps({"message": str(e)}).encode())
        self.send(200, out.encode())

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = handle_any


def parse_key(text):
    try:
        return sigv4_check.parse_key(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def main(argv=None):
    p = argparse.ArgumentParser(description="Loopback stand-in for the Amazon MSK REST API, with SigV4 checks.")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    p.add_argument("--seed", action="append", default=[], metavar="FILE",
                   help="JSON list of clusters: [{name, arn, brokerCount, kafkaVersion, kraft, state}, ...] "
                        "(optional per cluster: clientBroker, iam, scram; brokerEndpoints, a list of host:port "
                        "for brokers that are real local peers, served as ListNodes endpoints and the plaintext "
                        "bootstrap string; zookeeperConnectString, served as given). Repeatable.")
    p.add_argument("--with-defaults", action="store_true",
                   help="also seed the built-in clusters (demo, demo-kraft); they are used anyway when "
                        "--seed is not given")
    p.add_argument("--access-key", action="append", type=parse_key, default=[], metavar="AKID:SECRET[:TOKEN]",
                   help="an accepted key; with :TOKEN the request must carry that X-Amz-Security-Token. "
                        "Repeatable. Default " + DEFAULT_KEY)
    p.add_argument("--reboot-polls", type=int, default=2, metavar="N",
                   help="DescribeClusterOperation(V2) calls that see REBOOT_IN_PROGRESS before one sees "
                        "REBOOT_COMPLETE (default 2)")
    p.add_argument("--max-skew", type=int, default=900, metavar="SECONDS",
                   help="reject X-Amz-Date further than this from the server clock (default 900; 0 turns it off)")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = p.parse_args(argv)

    try:
        seed = load_seed(args.seed, args.with_defaults)
    except (OSError, ValueError) as e:
        p.error(str(e))
    keys = dict(args.access_key or [parse_key(DEFAULT_KEY)])

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.service = Service(seed, args.reboot_polls)
    server.keys = keys
    server.max_skew = args.max_skew
    server.verbose = args.verbose
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
