/// An HTTP request as AWSKit sends it: the signer adds its headers, the transport sends it.
public struct HTTPRequest: Sendable {
    /// GET, PUT, POST, DELETE, HEAD.
    public var method: String
    /// The full URL, already encoded.
    public var url: String
    /// Headers in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// The body; empty for none.
    public var body: [UInt8]
    /// The most the whole exchange may take.
    public var timeout: Duration
    /// The most connecting may take.
    public var connectTimeout: Duration

    /// A request with the given parts; timeouts default to 30 s in all and 5 s to connect.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// An HTTP response: status, headers as received, body.
public struct HTTPResponse: Sendable {
    /// The status code of the final response.
    public var status: Int
    /// The headers of the final response, in order.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// A response with the given parts.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header named `name`, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Sends HTTP requests. The one requirement is ``send(_:)``; tests and dry runs can put a
/// recording transport in place of the real one.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: ``HTTPTransportError`` when no response arrived (refused, reset,
    ///   timed out, name not resolved, TLS failure, cancelled).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// Why an HTTP exchange produced no response.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The class of failure, which decides whether a retry may help.
    public enum Kind: String, Sendable {
        case timedOut = "timed out"
        case connectionRefused = "connection refused"
        case connectionReset = "connection reset"
        case nameNotResolved = "name not resolved"
        case tls = "TLS failure"
        case cancelled
        case responseTooLarge = "response too large"
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

    public var description: String { "\(kind.rawValue): \(message)" }
}
