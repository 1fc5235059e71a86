/// One AWS operation in wire form, built without any I/O: what a dry run shows and what
/// ``AWSServiceClient/send(_:onAttempt:)`` signs and sends.
public struct AWSOperationRequest: Sendable, Equatable {
    /// The service (`kafka`, `cloudwatch`).
    public var service: String
    /// The operation (`RebootBroker`).
    public var operation: String
    /// The HTTP method.
    public var method: String
    /// The path as sent, labels percent-encoded.
    public var path: String
    /// The encoded query, without `?`.
    public var query: String
    /// Headers the protocol needs (content type, target); the signer adds its own.
    public var headers: [Header]
    /// The body (JSON, a form, XML or a payload's bytes), empty for none.
    public var body: [UInt8]
    /// Put before the endpoint's host (S3's virtual-hosted `bucket.`), empty for none.
    public var hostPrefix: String = ""

    /// One header.
    public struct Header: Sendable, Equatable {
        /// The name.
        public var name: String
        /// The value.
        public var value: String
    }

    /// A request with the given parts.
    public init(service: String, operation: String, method: String, path: String, query: String = "",
                headers: [Header] = [], body: [UInt8] = []) {
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The body as text, for journals and review documents.
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension AWSServiceClient {
    /// Sends a prepared operation request.
    public func send(_ request: AWSOperationRequest, timeout: Duration = .seconds(30),
                     onAttempt: @Sendable (AWSAttempt) -> Void = { _ in }) async throws -> AWSResponse {
        try await send(operation: request.operation, method: request.method,
                       url: try url(hostPrefix: request.hostPrefix, path: request.path, query: request.query),
                       headers: request.headers.map { (name: $0.name, value: $0.value) }, body: request.body,
                       timeout: timeout, onAttempt: onAttempt)
    }
}
