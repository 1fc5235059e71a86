import HTTPClient

extension EngineConfiguration {
    /// The engine `runbook test` runs runbooks with: fixed, fake AWS settings that read nothing
    /// from the environment or the developer's files, and a transport that refuses every
    /// request. The test's stubs answer every call before it would be sent; this is the
    /// second guard, so that nothing reaches a socket even if one did not.
    public static var offline: EngineConfiguration {
        EngineConfiguration(aws: AWSSettings(region: "us-east-1", environment: [
            "AWS_ACCESS_KEY_ID": "AKIDRUNBOOKTEST", "AWS_SECRET_ACCESS_KEY": "runbook-test", "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent/runbook-test/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/runbook-test/credentials",
        ]), transport: RefusingTransport())
    }
}

/// A transport for runs that must not reach the network.
struct RefusingTransport: HTTPTransport {
    func send(_: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPTransportError(.setupFailed, "runbook test sends nothing")
    }
}
