/// An HTTP request as a transport sends it: AWSKit's signer adds its headers first, a probe
/// sends it as built.
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
    /// The most body bytes to keep; past it the transport stops reading and answers with the
    /// first `maxBody` bytes and ``HTTPResponse/truncated`` set. Nil keeps the whole body, up to
    /// the transport's hard cap, past which the request fails instead.
    public var maxBody: Int?
    /// A PEM file of CA certificates that verify an HTTPS server in place of the system store.
    public var caFile: String?

    /// A request with the given parts; timeouts default to 30 s in all and 5 s to connect.
    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(5), maxBody: Int? = nil,
        caFile: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBody = maxBody
        self.caFile = caFile
    }
}
