public import Foundation

/// An HTTP request as it will go on the wire, ready for `SigV4Signer` to sign.
///
/// `path` and `query` are exactly the bytes of the request target, already percent-encoded
/// where the caller wants encoding: the signer derives the canonical forms from them and never
/// rewrites them, so what is signed is what is sent.
///
/// ```swift
/// // endpoint: https://kafka.us-east-1.amazonaws.com/v1/clusters
/// var request = try AWSRequest(method: "GET", url: endpoint)
/// try SigV4Signer(service: "kafka", region: "us-east-1").sign(&request, credentials: credentials, date: Date())
/// ```
public struct AWSRequest: Sendable {
    /// The HTTP method, such as `GET` or `POST`.
    public var method: String
    /// The path as sent, starting with `/`, such as `/v1/clusters/arn%3Aaws%3Akafka%3A...`.
    public var path: String
    /// The query as sent, without the leading `?`; empty for none.
    public var query: String
    /// The header fields in order; repeated names are allowed and are signed joined by commas.
    public var headers: [(name: String, value: String)]
    /// The body; its SHA-256 is the payload hash.
    public var body: [UInt8]

    /// Makes a request from its wire parts.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - path: the path as sent, already percent-encoded.
    ///   - query: the query as sent, without `?`.
    ///   - headers: the header fields; include `Host`.
    ///   - body: the body bytes.
    public init(
        method: String,
        path: String,
        query: String = "",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Makes a request for `url`, adding a `Host` header first unless `headers` has one.
    ///
    /// The path and query keep the URL's percent-encoding (`%3A` stays `%3A`). The `Host`
    /// value is the lowercased host plus `:port` when the port is not the scheme's default.
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - url: an absolute `http` or `https` URL.
    ///   - headers: further header fields.
    ///   - body: the body bytes.
    /// - Throws: `AWSError.invalidURL` when the URL has no host.
    public init(
        method: String,
        url: URL,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) throws(AWSError) {
        guard var host = url.host(percentEncoded: true)?.lowercased(), !host.isEmpty else {
            throw .invalidURL
        }
        if host.contains(":") && !host.hasPrefix("[") {
            host = "[\(host)]"
        }
        let defaultPort: Int? =
            switch url.scheme?.lowercased() {
            case "http": 80
            case "https": 443
            default: nil
            }
        if let port = url.port, port != defaultPort {
            host += ":\(port)"
        }
        let path = url.path(percentEncoded: true)
        var allHeaders = headers
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            allHeaders.insert((name: "Host", value: host), at: 0)
        }
        self.init(
            method: method,
            path: path.isEmpty ? "/" : path,
            query: url.query(percentEncoded: true) ?? "",
            headers: allHeaders,
            body: body
        )
    }

    /// The request target of the request line: `path`, then `?` and `query` when there is one.
    public var target: String {
        query.isEmpty ? path : path + "?" + query
    }

    /// The values of every header called `name` (compared case-insensitively), in order.
    ///
    /// - Parameter name: the header name.
    /// - Returns: the values, empty when the header is absent.
    public func values(forHeader name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}
