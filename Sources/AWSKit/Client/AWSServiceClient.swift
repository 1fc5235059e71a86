public import Foundation
public import HTTPClient

/// A successful answer from an AWS service.
public struct AWSResponse: Sendable {
    /// The HTTP status (2xx).
    public let status: Int
    /// The response headers.
    public let headers: [(name: String, value: String)]
    /// The body, JSON for the protocols AWSKit speaks.
    public let body: [UInt8]
    /// The request id the service gave.
    public let requestID: String?
}

/// One attempt of a call, reported as it ends so the journal shows every attempt.
public struct AWSAttempt: Sendable {
    /// 1 for the first attempt.
    public let number: Int
    /// The HTTP status, when a response arrived.
    public let status: Int?
    /// The service's error code or the transport failure, when the attempt failed.
    public let error: String?
    /// The request id, when the service gave one.
    public let requestID: String?
    /// How long the attempt took.
    public let duration: Duration
    /// The wait before the next attempt, when there will be one.
    public let retryAfter: Duration?
}

/// Sends signed requests to one AWS service in one region, retrying as the SDKs'
/// standard mode does.
///
/// ```swift
/// let kafka = AWSServiceClient(service: "kafka", signingName: "kafka", region: "us-east-1",
///                              endpoint: URL(string: "https://kafka.us-east-1.amazonaws.com")!,
///                              credentials: { try await chain.credentials() })
/// let response = try await kafka.send(operation: "DescribeCluster", method: "GET", path: "/v1/clusters/arn%3Aaws%3A...")
/// ```
public struct AWSServiceClient: Sendable {
    /// The service as journals and errors name it (`kafka`, `cloudwatch`).
    public let service: String
    /// The base URL requests go to.
    public let endpoint: URL
    /// The retry policy.
    public var retry = RetryPolicy()
    let signer: SigV4Signer
    let transport: any HTTPTransport
    let credentials: @Sendable () async throws -> AWSCredentials
    let quota: RetryQuota
    let sleep: @Sendable (Duration) async throws -> Void
    /// The service model, for clients made with ``init(model:region:endpoint:transport:quota:credentials:sleep:)``.
    let model: AWSServiceModel?

    /// A client for `service`, signing as `signingName` in `region`.
    ///
    /// - Parameters:
    ///   - credentials: called before every attempt; a caching provider makes it cheap.
    ///   - sleep: how to wait between attempts; tests pass one that does not wait.
    ///   - signing: the signer's path and payload rules; `.s3` for S3.
    public init(
        service: String, signingName: String, region: String, endpoint: URL,
        transport: any HTTPTransport = CurlTransport.shared, quota: RetryQuota = RetryQuota(),
        signing: SigV4Signer.Options = SigV4Signer.Options(),
        credentials: @escaping @Sendable () async throws -> AWSCredentials,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.init(service: service, signingName: signingName, region: region, endpoint: endpoint, transport: transport,
                  quota: quota, signing: signing, model: nil, credentials: credentials, sleep: sleep)
    }

    init(
        service: String, signingName: String, region: String, endpoint: URL, transport: any HTTPTransport,
        quota: RetryQuota, signing: SigV4Signer.Options, model: AWSServiceModel?,
        credentials: @escaping @Sendable () async throws -> AWSCredentials,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.model = model
        self.service = service
        self.endpoint = endpoint
        self.signer = SigV4Signer(service: signingName, region: region, options: signing)
        self.transport = transport
        self.credentials = credentials
        self.quota = quota
        self.sleep = sleep
    }

    /// Signs and sends one call, retrying throttling, transient errors, 5xx and broken
    /// connections up to ``RetryPolicy/maxAttempts`` while the retry quota allows, all within
    /// ``RetryPolicy/callTimeout``.
    ///
    /// - Parameters:
    ///   - path: the path as sent, its labels already percent-encoded.
    ///   - query: the encoded query, without `?`.
    ///   - timeout: the most one attempt may take, within the call's ``RetryPolicy/callTimeout``.
    ///   - onAttempt: called as each attempt ends.
    /// - Throws: ``AWSServiceError`` for an error answer, ``HTTPTransportError`` when no
    ///   answer came, `AWSError` when the request cannot be signed, or the credential
    ///   provider's error.
    public func send(
        operation: String, method: String, path: String, query: String = "",
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeout: Duration = .seconds(30),
        onAttempt: @Sendable (AWSAttempt) -> Void = { _ in }
    ) async throws -> AWSResponse {
        try await send(operation: operation, method: method, url: try url(hostPrefix: "", path: path, query: query),
                       headers: headers, body: body, timeout: timeout, onAttempt: onAttempt)
    }

    /// The endpoint with `hostPrefix` before its host, then `path` and `query`.
    func url(hostPrefix: String, path: String, query: String) throws -> URL {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        if !hostPrefix.isEmpty, let host = endpoint.host, let range = base.range(of: "://" + host) {
            base.replaceSubrange(range, with: "://" + hostPrefix + host)
        }
        guard let url = URL(string: base + path + (query.isEmpty ? "" : "?" + query)) else {
            throw AWSError.invalidURL
        }
        return url
    }

    func send(
        operation: String, method: String, url: URL, headers: [(name: String, value: String)], body: [UInt8],
        timeout: Duration, onAttempt: @Sendable (AWSAttempt) -> Void
    ) async throws -> AWSResponse {
        var spent = 0
        var attempt = 0
        let deadline = ContinuousClock.now.advanced(by: retry.callTimeout)
        while true {
            attempt += 1
            let started = ContinuousClock.now
            var request = try AWSRequest(method: method, url: url, headers: headers, body: body)
            try signer.sign(&request, credentials: try await credentials(), date: Date())
            let failure: any Error
            let status: Int?
            let requestID: String?
            do {
                let response = try await transport.send(HTTPRequest(
                    method: method, url: url.absoluteString, headers: request.headers, body: body,
                    timeout: min(timeout, max(.milliseconds(1), deadline - started))))
                if (200..<300).contains(response.status) {
                    let id = AWSServiceError.requestID(of: response)
                    onAttempt(AWSAttempt(number: attempt, status: response.status, error: nil, requestID: id,
                                         duration: ContinuousClock.now - started, retryAfter: nil))
                    await quota.release(spent)
                    return AWSResponse(status: response.status, headers: response.headers, body: response.body, requestID: id)
                }
                let error = AWSServiceError.parse(response, service: service, operation: operation)
                (failure, status, requestID) = (error, response.status, error.requestID)
            } catch let error as HTTPTransportError {
                (failure, status, requestID) = (error, nil, nil)
            }
            let retryable = (failure as? AWSServiceError).map(RetryPolicy.isRetryable)
                ?? (failure as? HTTPTransportError)?.isTransient ?? false
            let timedOut = (failure as? HTTPTransportError)?.kind == .timedOut
            var delay: Duration?
            let backoff = retry.backoff(after: attempt)
            if retryable, attempt < retry.maxAttempts, ContinuousClock.now.advanced(by: backoff) < deadline,
               let cost = await quota.acquire(timeout: timedOut) {
                spent += cost
                delay = backoff
            }
            let code = (failure as? AWSServiceError)?.code ?? (failure as? HTTPTransportError)?.kind.rawValue
            onAttempt(AWSAttempt(number: attempt, status: status, error: code, requestID: requestID,
                                 duration: ContinuousClock.now - started, retryAfter: delay))
            guard let delay else { throw failure }
            try await sleep(delay)
        }
    }
}
