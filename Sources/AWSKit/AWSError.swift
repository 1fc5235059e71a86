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
        case configFileSyntax(path: String, line: Int, reason: String)
        case profileNotFound(name: String)
        case missingRegion
        case invalidRegion(source: String)
        case invalidEndpointURL(source: String)
        case invalidCredentialConfiguration(reason: String)
        case credentialRetrievalFailed(source: String, reason: String)
        case noCredentials(tried: [String])
        case unknownServiceModel(service: String)
        case invalidServiceModel(service: String, reason: String)
        case invalidInput(operation: String, reason: String)
        case invalidResponse(operation: String, reason: String)
        case invalidExpression(expression: String, reason: String)
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

    /// A shared config or credentials file is not valid INI; the line's text is never kept.
    ///
    /// - Parameters:
    ///   - path: the file's path.
    ///   - line: the 1-based line number.
    ///   - reason: what is wrong, without the line's content.
    public static func configFileSyntax(path: String, line: Int, reason: String) -> AWSError {
        AWSError(.configFileSyntax(path: path, line: line, reason: reason))
    }

    /// The profile chosen by `--profile`, `AWS_PROFILE` or `AWS_DEFAULT_PROFILE` is in neither file.
    ///
    /// - Parameter name: the profile's name.
    public static func profileNotFound(name: String) -> AWSError {
        AWSError(.profileNotFound(name: name))
    }

    /// No region came from `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile.
    public static var missingRegion: AWSError { AWSError(.missingRegion) }

    /// A configured region is not a host-name label (letters, digits and `-`).
    ///
    /// - Parameter source: where it was configured, such as `AWS_REGION` or `--region`.
    public static func invalidRegion(source: String) -> AWSError {
        AWSError(.invalidRegion(source: source))
    }

    /// A configured endpoint URL is not an absolute `http` or `https` URL with a host.
    ///
    /// - Parameter source: where it was configured, such as `AWS_ENDPOINT_URL_KAFKA`; never the URL.
    public static func invalidEndpointURL(source: String) -> AWSError {
        AWSError(.invalidEndpointURL(source: source))
    }

    /// The credential settings contradict each other or are incomplete.
    ///
    /// - Parameter reason: what is wrong, naming settings but never a secret value.
    public static func invalidCredentialConfiguration(reason: String) -> AWSError {
        AWSError(.invalidCredentialConfiguration(reason: reason))
    }

    /// A configured credential source (a process, STS, the container or instance endpoint) failed.
    ///
    /// - Parameters:
    ///   - source: the source, such as `credential_process (profile ci)`.
    ///   - reason: what failed: a status, an exit code, an AWS error code; never a body or a key.
    public static func credentialRetrievalFailed(source: String, reason: String) -> AWSError {
        AWSError(.credentialRetrievalFailed(source: source, reason: reason))
    }

    /// Every credential source was tried and none had credentials.
    ///
    /// - Parameter tried: each source and why it had none, in the order tried.
    public static func noCredentials(tried: [String]) -> AWSError {
        AWSError(.noCredentials(tried: tried))
    }

    /// The binary holds no model for `service` (AWSServiceModel.services lists those it does).
    ///
    /// - Parameter service: the service name asked for, such as `"ec2"`.
    public static func unknownServiceModel(service: String) -> AWSError {
        AWSError(.unknownServiceModel(service: service))
    }

    /// A committed service model did not decode, which means scripts/gen-aws-models and
    /// ``AWSServiceModel`` disagree.
    ///
    /// - Parameters:
    ///   - service: the service whose model failed.
    ///   - reason: the decoder's explanation.
    public static func invalidServiceModel(service: String, reason: String) -> AWSError {
        AWSError(.invalidServiceModel(service: service, reason: reason))
    }

    /// An operation's input does not fit its model (an unknown member, a missing URI label,
    /// a value of the wrong kind).
    ///
    /// - Parameters:
    ///   - operation: `service.Operation`.
    ///   - reason: what does not fit, naming the member, never its value.
    public static func invalidInput(operation: String, reason: String) -> AWSError {
        AWSError(.invalidInput(operation: operation, reason: reason))
    }

    /// A successful answer did not decode with the operation's output shape.
    ///
    /// - Parameters:
    ///   - operation: `service.Operation`.
    ///   - reason: what did not decode.
    public static func invalidResponse(operation: String, reason: String) -> AWSError {
        AWSError(.invalidResponse(operation: operation, reason: reason))
    }

    /// A waiter's JMESPath argument cannot be parsed or evaluated (see ``JMESPath``).
    ///
    /// - Parameters:
    ///   - expression: the expression, from the service model.
    ///   - reason: what is wrong with it, or with the value it was given.
    public static func invalidExpression(_ expression: String, reason: String) -> AWSError {
        AWSError(.invalidExpression(expression: expression, reason: reason))
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
        case .configFileSyntax(let path, let line, let reason):
            line > 0 ? "cannot parse \(path) line \(line): \(reason)" : "cannot read \(path): \(reason)"
        case .profileNotFound(let name):
            "the config profile (\(name)) could not be found"
        case .missingRegion:
            "you must specify a region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or set region in the profile"
        case .invalidRegion(let source):
            "the region from \(source) is not a region name (letters, digits and '-' only)"
        case .invalidEndpointURL(let source):
            "the endpoint URL from \(source) is not an absolute http or https URL"
        case .invalidCredentialConfiguration(let reason):
            "invalid credential configuration: \(reason)"
        case .credentialRetrievalFailed(let source, let reason):
            "cannot get credentials from \(source): \(reason)"
        case .noCredentials(let tried):
            "no AWS credentials found; tried: " + tried.joined(separator: ", ")
        case .unknownServiceModel(let service):
            "no AWS service model named \(service.debugDescription)"
        case .invalidServiceModel(let service, let reason):
            "the \(service) service model does not decode: \(reason)"
        case .invalidInput(let operation, let reason):
            "\(operation): invalid input: \(reason)"
        case .invalidResponse(let operation, let reason):
            "\(operation): the answer does not decode: \(reason)"
        case .invalidExpression(let expression, let reason):
            "JMESPath expression \(expression.debugDescription): \(reason)"
        }
    }
}
