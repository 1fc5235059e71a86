"""A loopback HTTP server for the transport tests.

Prints its port on the first line of stdout, then serves until killed. Endpoints:
  /echo            the request back as JSON: method, path, headers, body
  /slow?ms=N       answers after N ms; /stats reports the most requests in flight at once
  /status/N        answers with status N
  /reset           closes the connection without an answer
  /big?bytes=N     N bytes of 'x'
  /stall?bytes=N&ms=M
                   announces 2N bytes, sends N bytes of 'x', then waits M ms and closes: a client
                   that reads to the end times out, one that stops after fewer bytes answers at once
  /connections     how many TCP connections the server accepted
  /?Action=ConfirmSubscription&TopicArn=T&Token=K
                   SNS's subscription confirmation, as a stand-in; /confirmations counts them by topic
  /flaky?key=K&fail=N&status=S&code=C
                   the first N requests for key K get status S with an AWS JSON error C,
                   later ones 200; each answer carries x-amzn-RequestId
"""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
in_flight = 0
max_in_flight = 0
connections = 0
flaky_counts = {}
confirmations = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        global connections
        with lock:
            connections += 1
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test-Header", "present")
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        global in_flight, max_in_flight
        url = urlparse(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/echo":
            payload = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("utf-8", "replace"),
            }
            self.reply(200, json.dumps(payload).encode())
        elif url.path == "/slow":
            with lock:
                in_flight += 1
                max_in_flight = max(max_in_flight, in_flight)
            time.sleep(int(query.get("ms", ["200"])[0]) / 1000)
            with lock:
                in_flight -= 1
            self.reply(200, b'{"slow":true}')
        elif url.path == "/stats":
            with lock:
                self.reply(200, json.dumps({"max_in_flight": max_in_flight}).encode())
        elif url.path == "/connections":
            with lock:
                self.reply(200, json.dumps({"connections": connections}).encode())
        elif url.path == "/" and query.get("Action") == ["ConfirmSubscription"]:
            with lock:
                topic = query.get("TopicArn", [""])[0]
                confirmations[topic] = confirmations.get(topic, 0) + 1
            self.reply(200, b"<ConfirmSubscriptionResponse/>", "text/xml")
        elif url.path == "/confirmations":
            with lock:
                self.reply(200, json.dumps(confirmations).encode())
        elif url.path.startswith("/status/"):
            self.reply(int(url.path.split("/")[2]), b'{"status":"as asked"}')
        elif url.path == "/reset":
            # Linger 0 then shutdown: the client gets a reset or an empty reply, never an answer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif url.path == "/flaky":
            key = query.get("key", ["default"])[0]
            with lock:
                flaky_counts[key] = flaky_counts.get(key, 0) + 1
                count = flaky_counts[key]
            signed = self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 Credential=")
            if count <= int(query.get("fail", ["0"])[0]):
                status = int(query.get("status", ["429"])[0])
                code = query.get("code", ["ThrottlingException"])[0]
                body = json.dumps({"__type": "com.amazonaws.test#" + code, "message": "attempt %d refused" % count}).encode()
            else:
                status = 200
                body = json.dumps({"attempt": count, "signed": signed}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "req-%s-%d" % (key, count))
            self.end_headers()
            self.wfile.write(body)
        elif url.path == "/stall":
            sent = int(query.get("bytes", ["1000"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(2 * sent))
            self.end_headers()
            self.wfile.write(b"x" * sent)
            self.wfile.flush()
            time.sleep(int(query.get("ms", ["5000"])[0]) / 1000)
            self.close_connection = True
        elif url.path == "/big":
            self.reply(200, b"x" * int(query.get("bytes", ["1000"])[0]), "text/plain")
        else:
            self.reply(404, b'{"error":"no such endpoint"}')

    do_GET = do_PUT = do_POST = do_DELETE = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
