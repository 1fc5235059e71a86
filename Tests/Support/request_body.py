"""What the Python test servers that stand in for AWS share: the body of a request, whether sent
with a Content-Length or chunked (curl sends some bodies chunked), and their handler's basics."""
from http.server import BaseHTTPRequestHandler
import sys


def read_request_body(handler):
    """Reads the body of the request `handler` (a BaseHTTPRequestHandler) is serving."""
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length", "0") or 0)
    return handler.rfile.read(length) if length else b""


class AWSTestHandler(BaseHTTPRequestHandler):
    """A handler speaking HTTP/1.1 with keep-alive, as the AWS SDKs and curl expect; it names itself
    `server_name`, logs only when the server is verbose, and reads bodies as read_request_body does."""
    protocol_version = "HTTP/1.1"
    server_name = "aws-test-server"

    def version_string(self):
        return self.server_name

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def read_body(self):
        return read_request_body(self)
