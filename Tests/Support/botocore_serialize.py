#!/usr/bin/env python3
"""botocore's own serializer as a peer for AWSKit's request building.

Usage: botocore_serialize.py SERVICE OPERATION PARAMS_JSON
Prints one JSON object: method, path, query (sorted [name, value] pairs), headers (name: value),
body (text), form (sorted [name, value] pairs, for query and ec2 bodies).

The model is botocore's installed one (the committed compact models were generated from it);
the protocol is chosen as botocore's client does. Parameters are put in the model's member
order first, so an XML body's element order is the model's. Timestamps in PARAMS_JSON are
given as {"$ts": epoch seconds}; blobs as {"$blob": "text"}.
"""
import datetime
import json
import sys
from urllib.parse import parse_qsl

import botocore.session
from botocore.serialize import create_serializer


def convert(value, shape):
    if isinstance(value, dict) and "$ts" in value:
        return datetime.datetime.fromtimestamp(value["$ts"], tz=datetime.timezone.utc)
    if isinstance(value, dict) and "$blob" in value:
        return value["$blob"].encode()
    if shape is None:
        return value
    if shape.type_name == "structure":
        return {name: convert(value[name], shape.members[name]) for name in shape.members if name in value}
    if shape.type_name == "list":
        return [convert(item, shape.member) for item in value]
    if shape.type_name == "map":
        return {key: convert(item, shape.value) for key, item in value.items()}
    return value


def main():
    service, operation, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    model = botocore.session.get_session().get_service_model(service)
    op = model.operation_model(operation)
    protocol = model.resolved_protocol if hasattr(model, "resolved_protocol") else model.protocol
    request = create_serializer(protocol).serialize_to_request(convert(params, op.input_shape), op)
    body = request["body"]
    out = {"method": request["method"], "protocol": protocol, "headers": dict(request["headers"])}
    path, _, literal = request["url_path"].partition("?")
    out["path"] = path
    query = list(parse_qsl(literal, keep_blank_values=True))
    for name, value in (request["query_string"] or {}).items():
        for item in value if isinstance(value, list) else [value]:
            query.append((name, str(item)))
    out["query"] = sorted([list(pair) for pair in query])
    if isinstance(body, dict):
        out["form"] = sorted([[k, str(v)] for k, v in body.items()])
        out["body"] = ""
    else:
        out["body"] = body.decode() if isinstance(body, bytes) else body
    print(json.dumps(out))


if __name__ == "__main__":
    main()
