#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets (issue 8 item 11, issue 9's XML answers) into Corpus/<target>.

Run from Fuzz/ once; the seeds are committed, so `make fuzz` never needs this. Every seed is a
real example: frames as the Kafka and ZooKeeper tests build them, four-letter-word answers as
ZooKeeper 3.8 writes them, AWS CLI config files, JSON as AWS answers, and the request parts of
the aws-c-auth SigV4 suite in ../Tests/AWSKitTests/Fixtures/sigv4/v4.
"""
import os, struct, json

def write(target, name, data):
    os.makedirs(f"Corpus/{target}", exist_ok=True)
    with open(f"Corpus/{target}/{name}", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

i8 = lambda v: struct.pack(">b", v)
i16 = lambda v: struct.pack(">h", v)
i32 = lambda v: struct.pack(">i", v)
i64 = lambda v: struct.pack(">q", v)
def s16(s): return i16(-1) if s is None else i16(len(s.encode())) + s.encode()
def i32s(vs): return i32(len(vs)) + b"".join(i32(v) for v in vs)
def uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80]); v >>= 7
    return out + bytes([v])
def cstr(s): return uvarint(len(s.encode()) + 1) + s.encode()

# Kafka: selector byte (bit 0: 0 ApiVersions, 1 Metadata; version in the rest), then the frame, correlation id 1.
apis = [(0, 0, 9), (1, 0, 13), (3, 0, 12), (18, 0, 3), (19, 0, 7)]
v0 = i32(1) + i16(0) + i32(len(apis)) + b"".join(i16(k) + i16(a) + i16(b) for k, a, b in apis)
write("kafka-codec", "apiversions-v0", bytes([0 << 1 | 0]) + v0)
v3 = i32(1) + i16(0) + uvarint(len(apis) + 1) + b"".join(i16(k) + i16(a) + i16(b) + uvarint(0) for k, a, b in apis) \
    + i32(0) + uvarint(1) + uvarint(0) + uvarint(4) + i32(7)
write("kafka-codec", "apiversions-v3-tagged", bytes([3 << 1 | 0]) + v3)
write("kafka-codec", "apiversions-unsupported", bytes([3 << 1 | 0]) + i32(1) + i16(35) + i32(0))
def metadata(version):
    f = i32(1)
    if version >= 3: f += i32(0)
    brokers = [(1, "b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com", 9092, "use1-az1"),
               (2, "b-2.orders.abc123.c2.kafka.us-east-1.amazonaws.com", 9092, None)]
    f += i32(len(brokers))
    for node, host, port, rack in brokers:
        f += i32(node) + s16(host) + i32(port) + (s16(rack) if version >= 1 else b"")
    if version >= 2: f += s16("Jk5L8QnSRfqkYw0B2LWcFw")
    if version >= 1: f += i32(2)
    f += i32(2)
    for name, internal, parts in [("orders", 0, [(0, 0, 1, [1, 2], [1, 2], []), (5, 1, -1, [1, 2], [1], [2])]),
                                  ("__consumer_offsets", 1, [(0, 0, 2, [2, 1], [2, 1], [])])]:
        f += i16(0) + s16(name) + (i8(internal) if version >= 1 else b"") + i32(len(parts))
        for err, index, leader, replicas, isr, offline in parts:
            f += i16(err) + i32(index) + i32(leader) + (i32(0) if version >= 7 else b"") + i32s(replicas) + i32s(isr)
            if version >= 5: f += i32s(offline)
        if version >= 8: f += i32(-2147483648)
    if version >= 8: f += i32(-2147483648)
    return f
for version in (0, 1, 5, 8):
    write("kafka-codec", f"metadata-v{version}", bytes([version << 1 | 1]) + metadata(version))

# Jute: selector byte (even: ConnectResponse, odd: reply header + GetChildren2Response), then the reply.
write("jute-codec", "connect-response", b"\x00" + i32(0) + i32(10000) + i64(0x1000123456789AB) + i32(16) + bytes(range(16)))
write("jute-codec", "connect-refused", b"\x00" + i32(0) + i32(0) + i64(0) + i32(16) + bytes(16))
stat = i64(5) * 2 + i64(0) + i32(1) + i32(0) + i32(0) + i32(0) + i32(0) + i32(0) + i64(0) + i32(0) + i32(2) + i64(5)
write("jute-codec", "get-children2", b"\x01" + i32(1) + i64(0x2A) + i32(0) + i32(2) + i32(6) + b"config" + i32(5) + b"quota" + stat)
write("jute-codec", "no-node", b"\x01" + i32(1) + i64(0x2A) + i32(-101))
write("jute-codec", "watch-event", b"\x01" + i32(-1) + i64(-1) + i32(0) + i32(-1))

# Four-letter words: ruok, srvr and mntr answers separated by NUL (as ZooKeeper 3.8 writes them).
srvr = """Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC
Latency min/avg/max: 0/0.4921/12
Received: 1042
Sent: 1041
Connections: 3
Outstanding: 0
Zxid: 0x10000002f
Mode: follower
Node count: 142
"""
mntr = """zk_version\t3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC
zk_server_state\tleader
zk_avg_latency\t0.4921
zk_max_latency\t12
zk_min_latency\t0
zk_packets_received\t1042
zk_num_alive_connections\t3
zk_outstanding_requests\t0
zk_znode_count\t142
zk_watch_count\t4
zk_ephemerals_count\t3
zk_approximate_data_size\t1872
zk_open_file_descriptor_count\t68
zk_max_file_descriptor_count\t1048576
zk_followers\t2
zk_synced_followers\t2
zk_pending_syncs\t0
zk_uptime\t183746
"""
stat = """Zookeeper version: 3.6.3--6401e4ad2087061bc6b9f80dec2d69f2e3c8660a, built on 04/08/2021 16:35 GMT
Clients:
 /10.0.1.23:51344[1](queued=0,recved=120,sent=121)
 /127.0.0.1:40010[0](queued=0,recved=1,sent=0)

Latency min/avg/max: 0/1.25/31
Received: 122
Sent: 121
Connections: 2
Outstanding: 0
Zxid: 0x200000004
Mode: standalone
Node count: 5
"""
conf = """clientPort=2181
secureClientPort=-1
dataDir=/var/lib/zookeeper/version-2
dataDirSize=67108880
tickTime=2000
maxClientCnxns=60
minSessionTimeout=4000
maxSessionTimeout=40000
serverId=1
initLimit=10
syncLimit=5
electionAlg=3
electionPort=3888
quorumPort=2888
peerType=0
membership:
server.1=10.0.1.10:2888:3888:participant;0.0.0.0:2181
server.2=10.0.2.10:2888:3888:participant;0.0.0.0:2181
version=100000000
"""
write("zookeeper-4lw", "ruok-srvr-mntr", "imok\0" + srvr + "\0" + mntr)
write("zookeeper-4lw", "stat-as-srvr", "imok\0" + stat)
write("zookeeper-4lw", "conf-as-mntr", "imok\0\0" + conf)
write("zookeeper-4lw", "not-whitelisted", "ruok is not executed because it is not in the whitelist.\0"
      "srvr is not executed because it is not in the whitelist.\0mntr is not executed because it is not in the whitelist.\n")
write("zookeeper-4lw", "not-serving", "imok\0This ZooKeeper instance is not currently serving requests\n\0"
      "This ZooKeeper instance is not currently serving requests\n")
write("zookeeper-4lw", "read-only", "imok\0Zookeeper version: 3.5.9-83df9301aa5c2a5d284a9940177808c01bc35cef, built on 01/06/2021 20:03 GMT\r\n"
      "Latency min/avg/max: 0/0/0\r\nMode: read-only\r\nNode count: 4\r\n")

# AWS config and credentials files.
write("aws-config", "config", """# ~/.aws/config
[default]
region = us-east-1
output = json

[profile ci]
role_arn = arn:aws:iam::123456789012:role/ci-runbooks
source_profile = default
region: eu-west-1
duration_seconds = 3600

[profile sso-dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
region = us-west-2

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile "with space"]
credential_process = /usr/local/bin/creds --profile "with space"
; a comment with a ; leader
s3 =
    addressing_style = path
    max_concurrent_requests = 20
""")
write("aws-config", "credentials", """[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[temporary]
aws_access_key_id=ASIAIOSFODNN7EXAMPLE
aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
aws_session_token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ
""")
write("aws-config", "services-and-continuation", """[profile local]
services = local-moto
endpoint_url = http://127.0.0.1:5000
note = first line
  continued line # not a comment
\tand a tab-indented one

[services local-moto]
kafka =
  endpoint_url = http://127.0.0.1:5000
monitoring =
  endpoint_url = http://127.0.0.1:5001
""".replace("\n", "\r\n"))
write("aws-config", "web-identity", """[profile eks]
role_arn=arn:aws:iam::123456789012:role/eks-runbooks
web_identity_token_file=/var/run/secrets/eks.amazonaws.com/serviceaccount/token
role_session_name=runbook
[profile chained]
role_arn = arn:aws:iam::123456789012:role/other
source_profile = eks
external_id = abc
""")

# JSON: AWS answers, a params file, and the edges RFC 8259 allows.
write("strict-json", "describe-cluster.json", json.dumps({"clusterInfo": {
    "ClusterArn": "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0f7f4d2c-1111-2222-3333-444455556666-2",
    "ClusterName": "orders", "State": "ACTIVE", "CurrentVersion": "K3AEGXETSR30VB",
    "NumberOfBrokerNodes": 3, "EnhancedMonitoring": "PER_BROKER",
    "BrokerNodeGroupInfo": {"InstanceType": "kafka.m5.large", "ClientSubnets": ["subnet-1", "subnet-2", "subnet-3"],
                            "StorageInfo": {"EbsStorageInfo": {"VolumeSize": 1000}}},
    "ZookeeperConnectString": "z-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:2181",
    "Tags": {}, "EncryptionInfo": {"EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True}}}}, indent=2))
write("strict-json", "get-metric-data.json", '{"MetricDataResults":[{"Id":"cpu","Label":"CpuUser","Timestamps":[1.7330688E9,1733068500],"Values":[12.5,-0.0,1e-7,99.99999999999999],"StatusCode":"Complete"}],"NextToken":null,"Messages":[]}')
write("strict-json", "params.json", '{"cluster_arn": "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abc", "threshold": 60, "brokers": [1, 2, 3], "dry": true}')
write("strict-json", "escapes.json", r'["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d\ud83d\ude00", "é中😀", "", 0, -0, 0.5e+10, 1E-2, 9223372036854775807, 9223372036854775808, null, false]')
write("strict-json", "scalar.json", ' "just a string" \n')
write("strict-json", "nested.json", "[" * 40 + "{}" + "]" * 40)

# SigV4: the request parts of the aws-c-auth v4 suite: path NUL query NUL header lines.
suite = "../Tests/AWSKitTests/Fixtures/sigv4/v4"
for name in sorted(os.listdir(suite)):
    with open(f"{suite}/{name}/request.txt", "rb") as f:
        lines = f.read().split(b"\n")
    method, target, _ = lines[0].split(b" ", 2) if lines[0].count(b" ") >= 2 else (lines[0], b"/", b"")
    path, _, query = target.partition(b"?")
    headers = []
    for line in lines[1:]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1] += b"," + line.strip()
        elif not line.lower().startswith(b"host:"):
            headers.append(line)
    write("sigv4", name, path + b"\0" + query + b"\0" + b"\n".join(headers))

# AWS answers in XML, as the query, ec2 and rest-xml services write them, and their errors.
write("aws-xml", "ec2-describe-instances.xml", """<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
    <reservationSet>
        <item>
            <reservationId>r-1234567890abcdef0</reservationId>
            <instancesSet><item><instanceId>i-1234567890abcdef0</instanceId><instanceState><code>16</code><name>running</name></instanceState>
            <tagSet><item><key>Name</key><value>broker &amp; friends</value></item></tagSet></item></instancesSet>
        </item>
    </reservationSet>
</DescribeInstancesResponse>
""")
write("aws-xml", "sns-list-topics.xml", """<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ListTopicsResult><Topics><member><TopicArn>arn:aws:sns:us-east-1:123456789012:alarms</TopicArn></member></Topics></ListTopicsResult>
  <ResponseMetadata><RequestId>f3aa9ac9-3c3d-11df-8235-9dab105e9c32</RequestId></ResponseMetadata>
</ListTopicsResponse>""")
write("aws-xml", "s3-acl.xml", """<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>abc</ID></Owner><AccessControlList>
<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
</AccessControlList></AccessControlPolicy>""")
write("aws-xml", "s3-error.xml", """<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Region>eu-west-1</Region><RequestId>4442587FB7D0A2F9</RequestId></Error>""")
write("aws-xml", "text-kinds.xml", "<r a='&#9;&lt;' b:c=\"x\"><![CDATA[<b>&amp;</b>]]>&#x1F600;&#13;&quot;<!-- note --><?pi x?><e/>tail</r>")
write("aws-xml", "latin1.xml", "<?xml version='1.0' encoding='ISO-8859-1'?><r>caf\xe9</r>".encode("latin-1"))
write("alarm-events", "eventbridge-metric.json", '{"version":"0","id":"c4c1c1c9-6542-e61b-6ef0-8c4d36933a92","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","account":"123456789012","time":"2019-10-02T17:04:40Z","region":"us-east-1","resources":[],"detail":{"alarmName":"demo-HighCPU","configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"dimensions":{"Cluster Name":"demo","Broker ID":"2"},"name":"CpuUser","namespace":"AWS/Kafka"},"period":300,"stat":"Average"},"returnData":true}]},"state":{"reason":"Threshold Crossed","reasonData":"{\\"version\\":\\"1.0\\",\\"recentDatapoints\\":[99.5],\\"threshold\\":50.0}","timestamp":"2019-10-02T17:04:40.989+0000","value":"ALARM"}}}')
write("alarm-events", "eventbridge-composite.json", '{"version":"0","id":"d3dfc86d","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","detail":{"alarmName":"ServiceAggregatedAlarm","state":{"value":"ALARM","reasonData":"{\\"triggeringAlarms\\":[]}"},"configuration":{"alarmRule":"ALARM(A) OR ALARM(B)"}}}')
bare = '{"AlarmName":"demo-Disk","NewStateValue":"ALARM","StateChangeTime":"2026-11-26T10:43:51.207+0000","AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-Disk","Trigger":{"MetricName":"KafkaDataLogsDiskUsed","Namespace":"AWS/Kafka","Dimensions":[{"value":"demo","name":"Cluster Name"}],"Unit":null}}'
write("alarm-events", "sns-bare.json", bare)
write("alarm-events", "sns-envelope.json", json.dumps({"Type": "Notification", "MessageId": "b8e1a2f6", "TopicArn": "arn:aws:sns:us-east-1:123456789012:alarms", "Message": bare}))
write("alarm-events", "alertmanager.json", '{"receiver":"runbook","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"KafkaBrokerDown","cluster":"demo"},"annotations":{"summary":"down"},"startsAt":"2023-02-06T13:08:45.828Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"1a30ba71cca2921f"},{"status":"resolved","labels":{"alertname":"KafkaBrokerDown"},"startsAt":"2023-02-06T12:00:00Z","fingerprint":"77c0"}],"version":"4","groupKey":"{}","truncatedAlerts":0}')
