"""A loopback stand-in for the ECS container endpoint, IMDSv2 and STS, for the AWSKit tests.

Binds 127.0.0.1 on a free port, prints the port on the first line of stdout, serves until killed.
  GET  /ecs/creds                        container credentials; needs Authorization: test-container-auth
  PUT  /latest/api/token                 IMDSv2 token; needs X-aws-ec2-metadata-token-ttl-seconds
  GET  /latest/meta-data/iam/security-credentials/[test-role]   needs X-aws-ec2-metadata-token
  /v1only/...                            the same IMDS paths, but the token PUT answers 404 and GETs need no token
  POST /                                 STS AssumeRole (must be SigV4-signed) and AssumeRoleWithWebIdentity
                                         (must be unsigned, token web-identity-TOKENMARKER); a RoleArn holding
                                         "denied" gets a 403 AccessDenied
  GET  /last                             JSON: the last STS form parameters and Authorization header
  GET  /count                            JSON: how many requests each path got
Every secret and token it hands out contains SECRETMARKER or TOKENMARKER, so tests can look for leaks.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

IMDS_TOKEN = "imds-TOKENMARKER-v2"
EXPIRATION = "2099-01-01T00:00:00Z"
lock = threading.Lock()
last_sts = {}
counts = {}


def creds_json(prefix, token_key="Token"):
    return {
        "Code": "Success",
        "AccessKeyId": "ASIA" + prefix,
        "SecretAccessKey": prefix.lower() + "-SECRETMARKER",
        token_key: prefix.lower() + "-TOKENMARKER",
        "Expiration": EXPIRATION,
    }


def sts_xml(action, prefix):
    return (
        f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<{action}Result><Credentials>"
        f"<AccessKeyId>ASIA{prefix}</AccessKeyId>"
        f"<SecretAccessKey>{prefix.lower()}-SECRETMARKER</SecretAccessKey>"
        f"<SessionToken>{prefix.lower()}-TOKENMARKER</SessionToken>"
        f"<Expiration>{EXPIRATION}</Expiration>"
        f"</Credentials></{action}Result></{action}Response>"
    ).encode()


def sts_error(code, message):
    return (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def count(self, path):
        with lock:
            counts[path] = counts.get(path, 0) + 1

    def imds(self, path, v1only):
        if path == "/latest/api/token" and self.command == "PUT":
            if v1only:
                return self.reply(404, "", "text/plain")
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "", "text/plain")
            return self.reply(200, IMDS_TOKEN, "text/plain")
        if self.command != "GET":
            return self.reply(405, "", "text/plain")
        if not v1only and self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
            return self.reply(401, "", "text/plain")
        if path == "/latest/meta-data/iam/security-credentials/":
            return self.reply(200, "test-role", "text/plain")
        if path == "/latest/meta-data/iam/security-credentials/test-role":
            return self.reply(200, creds_json("IMDSV1EXAMPLE" if v1only else "IMDSEXAMPLE"))
        return self.reply(404, "", "text/plain")

    def sts(self, body):
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        authorization = self.headers.get("Authorization")
        with lock:
            last_sts.clear()
            last_sts.update(params)
            last_sts["_authorization"] = authorization or ""
            last_sts["_content_type"] = self.headers.get("Content-Type", "")
        action = params.get("Action")
        if params.get("Version") != "2011-06-15":
            return self.reply(400, sts_error("InvalidParameterValue", "bad version"), "text/xml")
        if "denied" in params.get("RoleArn", ""):
            return self.reply(403, sts_error("AccessDenied", "not authorized to perform sts:AssumeRole"), "text/xml")
        if action == "AssumeRole":
            if not (authorization or "").startswith("AWS4-HMAC-SHA256 Credential="):
                return self.reply(403, sts_error("MissingAuthenticationToken", "unsigned"), "text/xml")
            return self.reply(200, sts_xml("AssumeRole", "ASSUMEDEXAMPLE"), "text/xml")
        if action == "AssumeRoleWithWebIdentity":
            if authorization:
                return self.reply(400, sts_error("InvalidRequest", "must be unsigned"), "text/xml")
            if params.get("WebIdentityToken") != "web-identity-TOKENMARKER":
                return self.reply(400, sts_error("InvalidIdentityToken", "bad token"), "text/xml")
            return self.reply(200, sts_xml("AssumeRoleWithWebIdentity", "WEBIDEXAMPLE"), "text/xml")
        return self.reply(400, sts_error("InvalidAction", "unknown action"), "text/xml")

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        self.count(path)
        if path == "/last":
            with lock:
                return self.reply(200, dict(last_sts))
        if path == "/count":
            with lock:
                return self.reply(200, dict(counts))
        if path == "/ecs/creds":
            if self.headers.get("Authorization") != "test-container-auth":
                return self.reply(401, {"message": "unauthorized"})
            return self.reply(200, creds_json("ECSEXAMPLE"))
        if path.startswith("/v1only/"):
            return self.imds(path[len("/v1only"):], True)
        if path.startswith("/latest/"):
            return self.imds(path, False)
        if path == "/" and self.command == "POST":
            return self.sts(body)
        return self.reply(404, {"message": "no such path"})

    do_GET = handle_any
    do_PUT = handle_any
    do_POST = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
