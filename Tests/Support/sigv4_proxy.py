#!/usr/bin/env python3
"""A SigV4-checking proxy for loopback tests: it refuses what AWS would refuse, then forwards.

moto does not check signatures. This proxy sits in front of it, so every request a test
sends to moto is signature-checked with the test's keys (sigv4_check.py, botocore's
signer). A request whose signature is valid is forwarded to the upstream unchanged (method,
path, query, headers, body) and the upstream's answer comes back unchanged. Any other
request gets 403 with an AWS-style error body and never reaches the upstream. (Hop-by-hop
headers and Expect are the proxy's own: a chunked body is forwarded with a Content-Length.)

Prints its port on the first line of stdout, then serves until killed.

Errors, in the protocol the request speaks:
  JSON 1.0/1.1 (X-Amz-Target)       {"__type": Code, "message": ...}; x-amzn-query-error too
                                    when the request has x-amzn-query-mode (awsQueryCompatible)
  rest-json (JSON Content-Type, or
    a rest-json signing name)       {"message": ...} with x-amzn-ErrorType: Code:<namespace>
  ec2                               <Response><Errors><Error><Code>...</Code>...
  s3                                <Error><Code>...</Code><Message>...</Message>...
  query and everything else         <ErrorResponse><Error><Type>Sender</Type><Code>...
Codes: MissingAuthenticationToken, IncompleteSignature, SignatureDoesNotMatch, InvalidClientTokenId.

Control endpoints (unsigned, not forwarded, not recorded):
  GET  /_proxy/requests   every request seen, oldest first: method, path, service, region,
                          operation (X-Amz-Target or Action; null when unknown),
                          signature_valid, code, message, forwarded, status
  POST /_proxy/reset      forget the record

Flags: --upstream URL (required), --access-key AKID:SECRET[:TOKEN] (repeatable, at least one),
--max-skew SECONDS (default 900), --port N, --verbose.
"""
import argparse
import http.client
import json
import os
import sys
import threading
import uuid
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sigv4_check  # noqa: E402
from request_body import AWSTestHandler  # noqa: E402

# Signing names of the rest-json services tests may call; their GETs carry no Content-Type to go by.
REST_JSON_SERVICES = {"kafka", "lambda", "execute-api", "apigateway", "eks"}
CORAL_ERROR_NS = "http://internal.amazon.com/coral/com.amazon.coral.service/"
# Hop-by-hop headers are the proxy's own; everything else passes unchanged.
# moto applies a DynamoDB transaction's checks and writes without isolating them from another
# request's (of eight concurrent transactions on one item, two could win), where DynamoDB isolates
# transactions; the proxy passes these to moto one at a time, so that workers in separate processes
# meet DynamoDB's guarantee.
ISOLATED_OPERATIONS = {"TransactWriteItems"}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def operation_of(headers, raw_query, body):
    """The operation a request names: X-Amz-Target's last part, else Action from the query or a form body."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        if name == "Action":
            return value
    if "x-www-form-urlencoded" in (headers.get("Content-Type") or "") and body:
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            if name == "Action":
                return value
    return None


def error_answer(headers, service, code, message, request_id):
    """(body, [(header, value)]) for an authentication error in the request's protocol."""
    content_type = (headers.get("Content-Type") or "").lower()
    extra = [("x-amzn-RequestId", request_id)]
    if headers.get("X-Amz-Target"):
        if headers.get("x-amzn-query-mode"):
            extra.append(("x-amzn-query-error", "%s;Sender" % code))
        body = json.dumps({"__type": code, "message": message})
        return body.encode(), extra + [("Content-Type", "application/x-amz-json-1.0")]
    if "json" in content_type or service in REST_JSON_SERVICES:
        body = json.dumps({"message": message})
        return body.encode(), extra + [("Content-Type", "application/json"),
                                       ("x-amzn-ErrorType", "%s:%s" % (code, CORAL_ERROR_NS))]
    code, message = escape(code), escape(message)
    if service == "ec2":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code>"
                "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
                % (code, message, request_id))
    elif service == "s3":
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>"
                "<RequestId>%s</RequestId></Error>" % (code, message, request_id))
        extra.append(("x-amz-request-id", request_id))
    else:
        body = ("<ErrorResponse xmlns=\"https://%s.amazonaws.com/doc/\"><Error><Type>Sender</Type>"
                "<Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>"
                % (escape(service or "aws"), code, message, request_id))
    return body.encode(), extra + [("Content-Type", "text/xml")]


class Handler(AWSTestHandler):
    server_name = "sigv4-proxy"

    def answer(self, status, body, headers, reason=None):
        self.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self.read_body()
        target = self.path  # the request target exactly as received, still percent-encoded
        raw_path, _, raw_query = target.partition("?")
        if raw_path.startswith("/_proxy/"):
            return self.handle_control(raw_path)

        headers = list(self.headers.items())
        result = sigv4_check.verify(self.command, target, headers, body, self.server.keys, self.server.max_skew)
        record = {
            "method": self.command,
            "path": raw_path,
            "service": result.service,
            "region": result.region,
            "operation": operation_of(self.headers, raw_query, body),
            "signature_valid": result.ok,
            "code": result.code,
            "message": result.message,
            "forwarded": False,
            "status": None,
        }
        with self.server.lock:
            self.server.requests.append(record)

        if not result.ok:
            request_id = str(uuid.uuid4())
            out, extra = error_answer(self.headers, result.service, result.code, result.message, request_id)
            record["status"] = 403
            return self.answer(403, out, extra)

        if record["operation"] in ISOLATED_OPERATIONS:
            with self.server.isolation:
                status, reason, out, answer_headers = self.forward(target, headers, body)
        else:
            status, reason, out, answer_headers = self.forward(target, headers, body)
        record["forwarded"] = True
        record["status"] = status
        self.answer(status, out, answer_headers, reason)

    def forward(self, target, headers, body):
        """Sends the request upstream as received; returns (status, reason, body, headers)."""
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            connection.putrequest(self.command, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                # Expect: 100-continue was answered here already; Content-Length is set again below.
                if name.lower() not in HOP_BY_HOP and name.lower() not in ("content-length", "expect"):
                    connection.putheader(name, value)
            if body or self.command in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            out = response.read()
            return response.status, response.reason, out, response.getheaders()
        finally:
            connection.close()

    def handle_control(self, path):
        if path == "/_proxy/requests" and self.command == "GET":
            with self.server.lock:
                out = json.dumps(self.server.requests)
        elif path == "/_proxy/reset" and self.command == "POST":
            with self.server.lock:
                self.server.requests.clear()
            out = json.dumps({"reset": True})
        else:
            out = json.dumps({"message": "no control endpoint %s %s" % (self.command, path)})
            return self.answer(404, out.encode(), [("Content-Type", "application/json")])
        self.answer(200, out.encode(), [("Content-Type", "application/json")])

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


def main(argv=None):
    p = argparse.ArgumentParser(description="SigV4-checking proxy in front of a loopback AWS endpoint (moto).")
    p.add_argument("--upstream", required=True, metavar="URL", help="where valid requests go, http://127.0.0.1:PORT")
    p.add_argument("--access-key", action="append", default=[], metavar="AKID:SECRET[:TOKEN]", required=True,
                   help="an accepted key; with :TOKEN the request must carry that session token. Repeatable.")
    p.add_argument("--max-skew", type=int, default=900, metavar="SECONDS",
                   help="reject X-Amz-Date further than this from the proxy's clock (default 900; 0 turns it off)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    p.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = p.parse_args(argv)
    try:
        keys = dict(sigv4_check.parse_key(k) for k in args.access_key)
    except ValueError as e:
        p.error(str(e))
    upstream = urlsplit(args.upstream)
    if upstream.scheme != "http" or not upstream.hostname or not upstream.port:
        p.error("--upstream must be http://HOST:PORT, got %r" % args.upstream)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.upstream = upstream
    server.keys = keys
    server.max_skew = args.max_skew
    server.verbose = args.verbose
    server.lock = threading.Lock()
    server.isolation = threading.Lock()
    server.requests = []
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
