/// An HTTP response: status, headers as received, body.
public struct HTTPResponse: Sendable {
    /// The status code of the final response.
    public var status: Int
    /// The headers of the final response, in order.
    public var headers: [(name: String, value: String)]
    /// The body, or its first ``HTTPRequest/maxBody`` bytes when ``truncated``.
    public var body: [UInt8]
    /// True when the server sent more than the request's ``HTTPRequest/maxBody`` and the rest
    /// was not read.
    public var truncated: Bool

    /// A response with the given parts.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], truncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.truncated = truncated
    }

    /// The first header named `name`, compared without case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
