"""The body of a request a test server received, whether sent with a Content-Length or chunked
(curl sends some bodies chunked). Shared by the Python test servers."""


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
