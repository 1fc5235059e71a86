public import Foundation

/// Signs requests with AWS Signature Version 4, in an `Authorization` header or a presigned query.
///
/// ```swift
/// let signer = SigV4Signer(service: "kafka", region: "us-east-1")
/// var request = AWSRequest(
///     method: "GET",
///     path: "/v1/clusters/arn%3Aaws%3Akafka%3Aus-east-1%3A123456789012%3Acluster%2Forders%2Fabc-1",
///     headers: [("Host", "kafka.us-east-1.amazonaws.com")]
/// )
/// try signer.sign(&request, credentials: credentials, date: Date())
/// // request.headers now ends with X-Amz-Date and Authorization (and X-Amz-Security-Token first,
/// // for temporary credentials); the canonical URI signed was /v1/clusters/arn%253Aaws%253A...
/// ```
///
/// The rules follow aws-protocols.md section 3.1 and pass every header and presigned vector
/// of the aws-c-auth v4 suite.
public struct SigV4Signer: Sendable {
    /// How a service wants its path and payload treated; the defaults suit every service but S3.
    public struct Options: Sendable, Equatable {
        /// Whether `.`, `..` and empty path segments are removed before signing.
        public var normalizesPath: Bool
        /// Whether the wire path is URI-encoded once more, so `%3A` is signed as `%253A`.
        public var doubleEncodesPath: Bool
        /// Whether `sign` adds and signs `x-amz-content-sha256` with the payload hash.
        public var signsContentSHA256Header: Bool

        /// Makes options; the defaults are right for every service except S3.
        ///
        /// - Parameters:
        ///   - normalizesPath: remove `.`, `..` and empty path segments.
        ///   - doubleEncodesPath: URI-encode the wire path once more.
        ///   - signsContentSHA256Header: add and sign `x-amz-content-sha256` in `sign`.
        public init(
            normalizesPath: Bool = true,
            doubleEncodesPath: Bool = true,
            signsContentSHA256Header: Bool = false
        ) {
            self.normalizesPath = normalizesPath
            self.doubleEncodesPath = doubleEncodesPath
            self.signsContentSHA256Header = signsContentSHA256Header
        }

        /// S3's rules: the path signed as sent, and `x-amz-content-sha256` always present.
        public static var s3: Options {
            Options(normalizesPath: false, doubleEncodesPath: false, signsContentSHA256Header: true)
        }
    }

    /// The signing name of the service, such as `kafka`, `sqs` or `monitoring`.
    public var service: String
    /// The region, such as `us-east-1`.
    public var region: String
    /// Path and payload rules; see `Options`.
    public var options: Options
    /// Whether the session token is signed. Only the aws-c-auth `post-sts-header-after` vector
    /// turns this off (the token is then added after signing); real requests should sign it.
    var signsSessionToken = true

    /// Makes a signer for one service in one region.
    ///
    /// - Parameters:
    ///   - service: the service's signing name.
    ///   - region: the region.
    ///   - options: path and payload rules; `.s3` for S3.
    public init(service: String, region: String, options: Options = Options()) {
        self.service = service
        self.region = region
        self.options = options
    }

    /// Signs `request` in place with an `Authorization` header.
    ///
    /// Removes any earlier `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` and
    /// `x-amz-content-sha256` headers (so a retry can be signed again), then appends
    /// `X-Amz-Security-Token` when `credentials` has a session token, `X-Amz-Date`,
    /// `x-amz-content-sha256` when `options` ask for it, and `Authorization`. Every header is
    /// signed except those botocore leaves out (`Connection`, `Expect`, `Keep-Alive`,
    /// `Proxy-Authenticate`, `Proxy-Authorization`, `TE`, `Trailer`, `Transfer-Encoding`,
    /// `Upgrade`, `User-Agent`, `X-Amzn-Trace-Id`). On error the request is left unchanged.
    ///
    /// - Parameters:
    ///   - request: the request; it must have a `Host` header.
    ///   - credentials: the keys to sign with.
    ///   - date: the signing time; AWS rejects requests more than 5 minutes off.
    /// - Returns: the intermediate values, for tests and for debugging `SignatureDoesNotMatch`.
    /// - Throws: `AWSError` for a missing `Host`, a malformed method, header, credential,
    ///   region or service, a date outside years 0000-9999, or an OpenSSL failure.
    @discardableResult
    public func sign(
        _ request: inout AWSRequest,
        credentials: AWSCredentials,
        date: Date
    ) throws(AWSError) -> SigV4Signature {
        try validate(request, credentials)
        let time = try AmzDate(date)
        var signed = request
        let replaced: Set<String> = [
            "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
        ]
        signed.headers.removeAll { replaced.contains($0.name.lowercased()) }
        let payloadHash = OpenSSL.hex(try OpenSSL.sha256(signed.body))
        if let token = credentials.sessionToken {
            signed.headers.append((name: "X-Amz-Security-Token", value: token))
        }
        signed.headers.append((name: "X-Amz-Date", value: time.timestamp))
        if options.signsContentSHA256Header {
            signed.headers.append((name: "x-amz-content-sha256", value: payloadHash))
        }
        var excluded = Self.unsignedHeaders
        if !signsSessionToken {
            excluded.insert("x-amz-security-token")
        }
        let result = try signature(
            for: signed,
            canonicalQuery: Self.canonicalQuery(signed.query),
            headers: Self.canonicalHeaders(signed.headers, excluding: excluded),
            payloadHash: payloadHash,
            time: time,
            credentials: credentials
        )
        signed.headers.append((name: "Authorization", value: result.authorization))
        request = signed
        return result
    }

    /// Presigns `request` in place: the signature goes in the query, so the URL alone grants access.
    ///
    /// Appends `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Expires`, `X-Amz-Security-Token` (with a session token) and `X-Amz-Signature` to
    /// the query, after removing any earlier ones; the headers are signed but not changed. The
    /// payload hash is the SHA-256 of the body. On error the request is left unchanged.
    ///
    /// - Parameters:
    ///   - request: the request; it must have a `Host` header.
    ///   - credentials: the keys to sign with.
    ///   - date: the signing time, from which the URL is valid.
    ///   - expiresIn: how long the URL stays valid, 1 second to 7 days (whole seconds).
    /// - Returns: the intermediate values.
    /// - Throws: `AWSError` as `sign` does, and `AWSError.invalidExpiry(seconds:)`.
    @discardableResult
    public func presign(
        _ request: inout AWSRequest,
        credentials: AWSCredentials,
        date: Date,
        expiresIn: Duration
    ) throws(AWSError) -> SigV4Signature {
        try validate(request, credentials)
        let time = try AmzDate(date)
        let expiry = expiresIn.components.seconds
        guard (1...604_800).contains(expiry) else { throw .invalidExpiry(seconds: expiry) }
        var signed = request
        signed.query = Self.removingPresignParameters(signed.query)
        let headers = try Self.canonicalHeaders(signed.headers, excluding: Self.unsignedHeaders)
        var parameters: [(String, String)] = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", credentials.accessKeyID + "/" + credentialScope(time)),
            ("X-Amz-Date", time.timestamp),
            ("X-Amz-SignedHeaders", headers.signedHeaders),
            ("X-Amz-Expires", String(expiry)),
        ]
        var addedAfterSigning: [(String, String)] = []
        if let token = credentials.sessionToken {
            if signsSessionToken {
                parameters.append(("X-Amz-Security-Token", token))
            } else {
                addedAfterSigning.append(("X-Amz-Security-Token", token))
            }
        }
        signed.query = Self.appending(parameters, to: signed.query)
        let result = try signature(
            for: signed,
            canonicalQuery: Self.canonicalQuery(signed.query),
            headers: headers,
            payloadHash: OpenSSL.hex(try OpenSSL.sha256(signed.body)),
            time: time,
            credentials: credentials
        )
        addedAfterSigning.append(("X-Amz-Signature", result.signature))
        signed.query = Self.appending(addedAfterSigning, to: signed.query)
        request = signed
        return result
    }

    static let algorithm = "AWS4-HMAC-SHA256"

    /// `YYYYMMDD/region/service/aws4_request`.
    func credentialScope(_ time: AmzDate) -> String {
        "\(time.day)/\(region)/\(service)/aws4_request"
    }

    /// Builds the canonical request and string to sign, derives the key and signs.
    private func signature(
        for request: AWSRequest,
        canonicalQuery: String,
        headers: (block: String, signedHeaders: String),
        payloadHash: String,
        time: AmzDate,
        credentials: AWSCredentials
    ) throws(AWSError) -> SigV4Signature {
        let canonicalRequest =
            request.method + "\n" + canonicalURI(request.path) + "\n" + canonicalQuery + "\n"
            + headers.block + "\n" + headers.signedHeaders + "\n" + payloadHash
        let scope = credentialScope(time)
        let stringToSign =
            Self.algorithm + "\n" + time.timestamp + "\n" + scope + "\n"
            + OpenSSL.hex(try OpenSSL.sha256(Array(canonicalRequest.utf8)))
        var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
        for part in [time.day, region, service, "aws4_request"] {
            key = try OpenSSL.hmacSHA256(key: key, data: Array(part.utf8))
        }
        let signature = OpenSSL.hex(try OpenSSL.hmacSHA256(key: key, data: Array(stringToSign.utf8)))
        return SigV4Signature(
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            credentialScope: scope,
            signedHeaders: headers.signedHeaders,
            signature: signature,
            authorization: Self.algorithm + " Credential=" + credentials.accessKeyID + "/" + scope
                + ", SignedHeaders=" + headers.signedHeaders + ", Signature=" + signature
        )
    }

    /// Checks everything that would make a malformed request line, header or scope.
    private func validate(_ request: AWSRequest, _ credentials: AWSCredentials) throws(AWSError) {
        guard Self.isToken(request.method) else { throw .invalidMethod }
        for header in request.headers {
            guard Self.isToken(header.name) else { throw .invalidHeaderName }
            guard !header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) else {
                throw .invalidHeaderValue(name: header.name)
            }
        }
        guard Self.isScopePart(credentials.accessKeyID) else { throw .invalidAccessKeyID }
        if let token = credentials.sessionToken {
            guard !token.isEmpty, !token.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
                throw .invalidSessionToken
            }
        }
        guard Self.isScopePart(region), Self.isScopePart(service) else { throw .invalidScope }
    }

    /// Whether `text` is an HTTP token (RFC 9110 section 5.6.2).
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                PercentEncoding.isUnreserved(byte) || "!#$%&'*+^`|".utf8.contains(byte)
            }
    }

    /// Whether `text` can sit in a credential scope: non-empty, no `/`, whitespace or control.
    private static func isScopePart(_ text: String) -> Bool {
        !text.isEmpty && !text.utf8.contains { $0 <= 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") }
    }

    private static let presignParameters: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
        "X-Amz-Expires", "X-Amz-Security-Token", "X-Amz-Signature",
    ]

    /// The query without any presign parameters, other pieces kept byte for byte.
    private static func removingPresignParameters(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false)
            .filter { piece in
                let key = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                return !presignParameters.contains(String(decoding: PercentEncoding.decode(key.utf8), as: UTF8.self))
            }
            .joined(separator: "&")
    }

    /// `query` with `parameters` appended, each key and value SigV4-encoded.
    private static func appending(_ parameters: [(String, String)], to query: String) -> String {
        let added = parameters.map { key, value in
            PercentEncoding.encode(key.utf8) + "=" + PercentEncoding.encode(value.utf8)
        }
        return ([query].filter { !$0.isEmpty } + added).joined(separator: "&")
    }
}
