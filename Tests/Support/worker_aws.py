"""Makes and inspects SQS queues on moto for the worker tests, and drops a DynamoDB table, signed
for the proxy in front of moto.

Usage: worker_aws.py ENDPOINT_URL ACCESS_KEY_ID SECRET_ACCESS_KEY COMMAND ARGS...
  create NAME MAX_RECEIVE_COUNT VISIBILITY   a queue and its dead-letter queue NAME-dlq, the queue's
                                             RedrivePolicy sending a message there after
                                             MAX_RECEIVE_COUNT receipts; prints {"queue": URL, "dlq": URL}
  send URL FILE...                           each file's contents as one message, all at once (one
                                             SendMessageBatch of up to 10); prints the message ids
  counts URL                                 prints {"visible": N, "in_flight": N, "delayed": N}
  bodies URL                                 receives every visible message of URL (it stays in the
                                             queue) and prints [{"body": ..., "receive_count": N}]
  delete-table NAME                          deletes the DynamoDB table NAME
"""
import json
import sys

import boto3

endpoint, key, secret, command, *args = sys.argv[1:]
sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint,
                   aws_access_key_id=key, aws_secret_access_key=secret)

if command == "create":
    name, max_receive_count, visibility = args
    dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": visibility,
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}),
    })["QueueUrl"]
    print(json.dumps({"queue": queue, "dlq": dlq}))
elif command == "send":
    url, *files = args
    entries = []
    for index, path in enumerate(files):
        with open(path, encoding="utf-8") as f:
            entries.append({"Id": str(index), "MessageBody": f.read()})
    answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    if answer.get("Failed"):
        sys.exit("send failed: %r" % answer["Failed"])
    print(json.dumps([entry["MessageId"] for entry in answer["Successful"]]))
elif command == "counts":
    (url,) = args
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    print(json.dumps({
        "visible": int(attributes["ApproximateNumberOfMessages"]),
        "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        "delayed": int(attributes["ApproximateNumberOfMessagesDelayed"]),
    }))
elif command == "bodies":
    (url,) = args
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                       MessageSystemAttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        new = [m for m in messages if m["MessageId"] not in {f["id"] for f in found}]
        if not new:
            break
        found += [{"id": m["MessageId"], "body": m["Body"], "receive_count": int(m["Attributes"]["ApproximateReceiveCount"])} for m in new]
    print(json.dumps(found))
elif command == "delete-table":
    (name,) = args
    boto3.client("dynamodb", region_name="us-east-1", endpoint_url=endpoint,
                 aws_access_key_id=key, aws_secret_access_key=secret).delete_table(TableName=name)
else:
    sys.exit("unknown command %r" % command)
