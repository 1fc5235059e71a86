"""Prints boto3's names for the services given, from the installed botocore itself.

Usage: botocore_names.py SERVICE...
Prints "botocore VERSION", then for each service "client SERVICE" when boto3 has a client of
that name, followed by one line "SERVICE Operation snake_name" per operation of botocore's
model, the name from botocore.xform_name. Exits 1 if a service has no client, or if a client's
methods are not named by xform_name (so the names printed are the methods boto3 really has).
"""
import sys

import botocore
import botocore.session
from botocore import xform_name

session = botocore.session.get_session()
available = set(session.get_available_services())
print(f"botocore {botocore.__version__}")
for name in sys.argv[1:]:
    if name not in available:
        sys.exit(f"boto3 has no client {name!r}")
    print(f"client {name}")
    model = session.get_service_model(name)
    client = session.create_client(
        name, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    methods = client.meta.method_to_api_mapping
    names = {operation: xform_name(operation) for operation in model.operation_names}
    if {method: operation for operation, method in names.items()} != methods:
        sys.exit(f"{name}: the client's methods are not xform_name of its operations")
    for operation, method in names.items():
        print(f"{name} {operation} {method}")
