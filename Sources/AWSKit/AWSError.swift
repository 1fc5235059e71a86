/// An error from AWSKit, whose text never contains a credential or a header value.
///
/// A struct over a private enum, so new cases do not break callers. Compare against the
/// static members (`error == .missingHost`) or print it for a log line.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case missingHost
        case invalidURL
        case invalidMethod
        case invalidHeaderName
        case invalidHeaderValue(name: String)
        case invalidAccessKeyID
        case invalidSessionToken
        case invalidScope
        case invalidDate
        case invalidExpiry(seconds: Int64)
        case cryptoFailure(operation: String)
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// The request has no `Host` header, which SigV4 must sign.
    public static var missingHost: AWSError { AWSError(.missingHost) }

    /// The URL has no host, so it cannot name an AWS endpoint.
    public static var invalidURL: AWSError { AWSError(.invalidURL) }

    /// The HTTP method is empty or is not an HTTP token.
    public static var invalidMethod: AWSError { AWSError(.invalidMethod) }

    /// A header name is empty or is not an HTTP token (RFC 9110 section 5.6.2).
    public static var invalidHeaderName: AWSError { AWSError(.invalidHeaderName) }

    /// The value of header `name` contains CR, LF or NUL, which would split the header.
    ///
    /// - Parameter name: the header's name; its value is never kept.
    public static func invalidHeaderValue(name: String) -> AWSError {
        AWSError(.invalidHeaderValue(name: name))
    }

    /// The access key ID is empty or holds `/`, whitespace or a control character.
    public static var invalidAccessKeyID: AWSError { AWSError(.invalidAccessKeyID) }

    /// The session token is empty or holds a control character, so it cannot be a header value.
    public static var invalidSessionToken: AWSError { AWSError(.invalidSessionToken) }

    /// The signer's region or service is empty or holds `/`, whitespace or a control character.
    public static var invalidScope: AWSError { AWSError(.invalidScope) }

    /// The signing date is outside the years 0000 through 9999.
    public static var invalidDate: AWSError { AWSError(.invalidDate) }

    /// A presigned URL's lifetime is outside 1 through 604800 seconds (seven days).
    ///
    /// - Parameter seconds: the requested lifetime in whole seconds.
    public static func invalidExpiry(seconds: Int64) -> AWSError {
        AWSError(.invalidExpiry(seconds: seconds))
    }

    /// An OpenSSL call failed.
    ///
    /// - Parameter operation: which call, such as `"SHA256"` or `"HMAC"`.
    public static func cryptoFailure(operation: String) -> AWSError {
        AWSError(.cryptoFailure(operation: operation))
    }

    /// A one-line explanation, safe to log: it names headers but never prints a value or a key.
    public var description: String {
        switch code {
        case .missingHost:
            "cannot sign a request without a Host header"
        case .invalidURL:
            "the URL has no host"
        case .invalidMethod:
            "the HTTP method is empty or not a token"
        case .invalidHeaderName:
            "a header name is empty or not an HTTP token"
        case .invalidHeaderValue(let name):
            "the value of header \(name.debugDescription) contains CR, LF or NUL"
        case .invalidAccessKeyID:
            "the access key ID is empty or contains '/', whitespace or a control character"
        case .invalidSessionToken:
            "the session token is empty or contains a control character"
        case .invalidScope:
            "the region or service is empty or contains '/', whitespace or a control character"
        case .invalidDate:
            "the signing date is outside the years 0000-9999"
        case .invalidExpiry(let seconds):
            "a presigned URL must expire in 1 to 604800 seconds, not \(seconds)"
        case .cryptoFailure(let operation):
            "OpenSSL \(operation) failed"
        }
    }
}
