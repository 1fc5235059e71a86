"""Creates an IAM role in a running moto server and prints its ARN.

Usage: moto_role.py ENDPOINT_URL ACCESS_KEY_ID SECRET_ACCESS_KEY ROLE_NAME
Lambda's CreateFunction in moto requires its role to exist in IAM, and AWSKit carries no IAM
model, so tests make the role with boto3, signed as the proxy in front of moto requires.
"""
import json
import sys

import boto3

endpoint, access_key_id, secret_access_key, name = sys.argv[1:5]
iam = boto3.client(
    "iam", region_name="us-east-1", endpoint_url=endpoint,
    aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key,
)
trust = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
]}
print(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"], flush=True)
