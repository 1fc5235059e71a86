/// Why an HTTP exchange produced no response.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The class of failure, which decides whether a retry may help.
    public enum Kind: String, Sendable {
        /// No complete answer before the request's timeout.
        case timedOut = "timed out"
        /// Nothing accepted the connection.
        case connectionRefused = "connection refused"
        /// The connection broke or closed before a complete answer.
        case connectionReset = "connection reset"
        /// The host name did not resolve.
        case nameNotResolved = "name not resolved"
        /// The TLS handshake failed or the server's certificate did not verify.
        case tls = "TLS failure"
        /// The request could not be set up on this side (a CA file that cannot be read, an
        /// option libcurl refuses); nothing was sent.
        case setupFailed = "setup failed"
        /// The calling task was cancelled.
        case cancelled
        /// The body passed the transport's hard cap.
        case responseTooLarge = "response too large"
        /// The response's headers passed ``CurlTransport/maximumHeaderBytes``.
        case headersTooLarge = "response headers too large"
        /// The body's chunked transfer coding was malformed.
        case badChunkedEncoding = "malformed chunked encoding"
        /// Anything else libcurl reported.
        case other = "transport error"
    }

    /// The class of failure.
    public let kind: Kind
    /// What libcurl said, with the host; never a header or a body.
    public let message: String

    /// An error of `kind` with `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// True when trying again may succeed: timeouts and broken connections.
    public var isTransient: Bool {
        [.timedOut, .connectionRefused, .connectionReset].contains(kind)
    }

    /// The kind and libcurl's text, for logs and error messages.
    public var description: String { "\(kind.rawValue): \(message)" }
}
