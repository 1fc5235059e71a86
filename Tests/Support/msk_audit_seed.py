"""Builds one MSK cluster for msk.audit's tests, healthy unless the scenario says otherwise.

Usage: msk_audit_seed.py MOTO_URL ACCESS_KEY_ID SECRET_ACCESS_KEY KAFKA_URL SCENARIO_JSON
With boto3, which serialises by botocore's models as AWS's own clients do: the VPC, subnets and
security groups (EC2), log group (CloudWatch Logs), bucket (S3), SNS topic with an SQS subscriber
and the broker alarms (CloudWatch) in moto, behind the signature-checking proxy at MOTO_URL; the
configuration and the cluster in the MSK stand-in at KAFKA_URL (moto's kafka has no configurations).

SCENARIO_JSON is an object; every member but name is optional and defaults to the healthy choice:
  name      the cluster's name, unique per test (also names everything else)
  zones     1, 2 or 3 (default): the three client subnets go round these Availability Zones
  brokers   broker count (default 3)
  shared_sg true: one security group for brokers and clients (default: an internal group that
            admits itself and a client group that admits 10.0.0.0/16 on 9094 and 9098); mixed_sg
            true: the internal group admits 10.0.0.0/16 on 9094 and 9098 as well
  open_port a TCP port the client group also opens to 0.0.0.0/0; open_ipv6 the same to ::/0
  config    "latest" (default), "behind" (revision 1 of 2) or "none" (MSK's default)
  logging   "cloudwatch" (default), "s3", "missing-group", "missing-bucket" or "none"
  alarms    "all" (default: CpuUser and KafkaDataLogsDiskUsed per broker, notifying a subscribed
            topic), "none", "broker-1" (broker 1 only), "no-action", "no-subscription" or
            "no-topic" (notifying a topic that does not exist)
Prints one JSON line: {"cluster_arn", "cluster_name", "topic_arn"}; topic_arn is a subscribed
topic whatever the scenario, for msk.ensure-alarms.
"""
import json
import sys

import boto3

moto_url, access_key_id, secret_access_key, kafka_url, scenario_json = sys.argv[1:6]
scenario = json.loads(scenario_json)
name = scenario["name"]


def client(service, url=moto_url):
    return boto3.client(service, region_name="us-east-1", endpoint_url=url,
                        aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)


ec2, kafka = client("ec2"), client("kafka", kafka_url)
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
zones = ["us-east-1a", "us-east-1b", "us-east-1c"][:scenario.get("zones", 3)]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone=zones[i % len(zones)])
           ["Subnet"]["SubnetId"] for i in range(3)]


def group(label):
    return ec2.create_security_group(GroupName="%s-%s" % (name, label), Description="msk.audit test", VpcId=vpc)["GroupId"]


def admit(group_id, *permissions):
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))


clients = [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
           for port in (9094, 9098)]
if scenario.get("shared_sg"):
    shared = group("brokers")
    admit(shared, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": shared}]}, *clients)
    groups = [shared]
else:
    internal, external = group("internal"), group("clients")
    admit(internal, {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": internal}]})
    admit(external, *clients)
    if scenario.get("mixed_sg"):
        admit(internal, *clients)
    groups = [internal, external]
if "open_port" in scenario:
    port = scenario["open_port"]
    admit(groups[-1], {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
if "open_ipv6" in scenario:
    port = scenario["open_ipv6"]
    admit(groups[-1], {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})

configuration_info = None
config = scenario.get("config", "latest")
if config != "none":
    made = kafka.create_configuration(Name=name + "-config", ServerProperties=b"auto.create.topics.enable=false\n")
    kafka.update_configuration(Arn=made["Arn"], ServerProperties=b"auto.create.topics.enable=false\nnum.partitions=6\n")
    configuration_info = {"Arn": made["Arn"], "Revision": 2 if config == "latest" else 1}

log_group, bucket = "/msk/%s/brokers" % name, "msk-logs-%s" % name.lower()
logging = scenario.get("logging", "cloudwatch")
broker_logs = {
    "cloudwatch": {"CloudWatchLogs": {"Enabled": True, "LogGroup": log_group}},
    "missing-group": {"CloudWatchLogs": {"Enabled": True, "LogGroup": log_group}},
    "s3": {"S3": {"Enabled": True, "Bucket": bucket}},
    "missing-bucket": {"S3": {"Enabled": True, "Bucket": bucket}},
    "none": {"CloudWatchLogs": {"Enabled": False}},
}[logging]
if logging == "cloudwatch":
    client("logs").create_log_group(logGroupName=log_group)
if logging == "s3":
    client("s3").create_bucket(Bucket=bucket)

cluster = {"ClusterName": name, "KafkaVersion": "3.5.1", "NumberOfBrokerNodes": scenario.get("brokers", 3),
           "BrokerNodeGroupInfo": {"ClientSubnets": subnets, "InstanceType": "kafka.m5.large", "SecurityGroups": groups},
           "LoggingInfo": {"BrokerLogs": broker_logs}}
if configuration_info:
    cluster["ConfigurationInfo"] = configuration_info
cluster_arn = kafka.create_cluster(**cluster)["ClusterArn"]

sns, sqs = client("sns"), client("sqs")
queue = sqs.create_queue(QueueName=name + "-pager")["QueueUrl"]
queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
topic = sns.create_topic(Name=name + "-alarms")["TopicArn"]
sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
silent_topic = sns.create_topic(Name=name + "-unheard")["TopicArn"]

alarms = scenario.get("alarms", "all")
if alarms != "none":
    cloudwatch = client("cloudwatch")
    actions = {"all": [topic], "broker-1": [topic], "no-action": [], "no-subscription": [silent_topic],
               "no-topic": [topic + "-deleted"]}[alarms]
    brokers = ["1"] if alarms == "broker-1" else [str(i) for i in range(1, scenario.get("brokers", 3) + 1)]
    for broker in brokers:
        for metric, threshold in (("CpuUser", 60), ("KafkaDataLogsDiskUsed", 80)):
            cloudwatch.put_metric_alarm(
                AlarmName="%s broker %s %s (hand-made)" % (name, broker, metric), AlarmActions=actions,
                Namespace="AWS/Kafka", MetricName=metric, Statistic="Average", Period=300, EvaluationPeriods=3,
                Threshold=threshold, ComparisonOperator="GreaterThanOrEqualToThreshold",
                Dimensions=[{"Name": "Cluster Name", "Value": name}, {"Name": "Broker ID", "Value": broker}])

print(json.dumps({"cluster_arn": cluster_arn, "cluster_name": name, "topic_arn": topic}), flush=True)
