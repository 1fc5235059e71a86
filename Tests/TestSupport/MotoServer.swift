import Foundation

/// moto's server behind Tests/Support/sigv4_proxy.py, both on free loopback ports, started by a test
/// and stopped by their PIDs when the test lets go.
///
/// moto does not check signatures; the proxy does, with botocore's signer. Tests send every request to
/// ``url``, the proxy, signed with ``accessKeyID`` and ``secretAccessKey``: a request the proxy accepts
/// reaches moto unchanged, any other gets AWS's 403 (`SignatureDoesNotMatch`, `IncompleteSignature`,
/// `MissingAuthenticationToken`, `InvalidClientTokenId`) and never reaches moto. ``requests()`` shows
/// what the proxy saw, so a test can check that every request it made was signed right.
///
/// ```swift
/// let moto = try await MotoServer()
/// let settings = AWSSettings(region: "us-east-1", endpointURL: moto.url) {
///     AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)
/// }
/// ```
public final class MotoServer: Sendable {
    private let moto: LoopbackProcess
    private let proxy: LoopbackServer
    /// The endpoint tests use: the proxy, `http://127.0.0.1:<port>`.
    public var url: String { proxy.url }
    /// The access key id the proxy accepts.
    public let accessKeyID = "AKIDMOTOTEST"
    /// The secret the proxy checks signatures with, new for each server, with `/` and `+` in it as real
    /// secrets have.
    public let secretAccessKey: String

    /// Starts `moto_server` (pip's `moto[server]`), waits until it accepts connections, then starts the
    /// proxy in front of it.
    public init() async throws {
        let secretAccessKey = "moto/" + UUID().uuidString.lowercased() + "+proxy"
        let moto = try await LoopbackProcess("moto_server") { ["-H", "127.0.0.1", "-p", String($0)] }
        proxy = try await LoopbackServer(script: "sigv4_proxy.py",
                                         arguments: ["--upstream", moto.url, "--access-key", "\(accessKeyID):\(secretAccessKey)"])
        self.moto = moto
        self.secretAccessKey = secretAccessKey
    }

    /// Runs Tests/Support/moto_seed.py through the proxy.
    public func seedMetrics() async throws {
        try await runScript("moto_seed.py")
    }

    /// Runs the Tests/Support script `name` as `name URL ACCESS_KEY_ID SECRET_ACCESS_KEY ARGUMENTS...`,
    /// so what it does to moto goes through the proxy, signed; returns what it printed.
    @discardableResult
    public func runScript(_ name: String, _ arguments: [String] = []) async throws -> String {
        try await ChildProcess.run("python3", [supportFile(name), url, accessKeyID, secretAccessKey] + arguments).check()
    }

    /// One request as the proxy saw it.
    public struct ProxiedRequest: Sendable, Decodable {
        /// The HTTP method.
        public let method: String
        /// The path as sent.
        public let path: String
        /// The signing name from the credential scope (`monitoring`), when it could be read.
        public let service: String?
        /// The region from the credential scope, when it could be read.
        public let region: String?
        /// The operation from `X-Amz-Target` or `Action`, when the request names one there.
        public let operation: String?
        /// Whether the signature was valid.
        public let signatureValid: Bool
        /// The error code the proxy answered with, when it refused.
        public let code: String?
        /// Why it refused.
        public let message: String?
        /// Whether the request went on to moto.
        public let forwarded: Bool
        /// The HTTP status the test got back.
        public let status: Int?

        enum CodingKeys: String, CodingKey {
            case method, path, service, region, operation, code, message, forwarded, status
            case signatureValid = "signature_valid"
        }
    }

    /// Every request the proxy has seen since it started, oldest first.
    public func requests() async throws -> [ProxiedRequest] {
        let text = try await ChildProcess.run("python3", [
            "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            url + "/_proxy/requests",
        ], timeout: .seconds(20)).check()
        return try JSONDecoder().decode([ProxiedRequest].self, from: Data(text.utf8))
    }
}

/// One moto server for a whole suite, started at its first use: moto takes seconds to start on a
/// small machine, and tests that use unique names do not need one each.
///
/// ```swift
/// static let shared = SharedMotoServer()
/// let moto = try await Self.shared.get()
/// ```
public actor SharedMotoServer {
    private var server: MotoServer?

    public init() {}

    /// The suite's server, started on the first call.
    public func get() async throws -> MotoServer {
        if let server { return server }
        let started = try await MotoServer()
        server = started
        return started
    }
}
