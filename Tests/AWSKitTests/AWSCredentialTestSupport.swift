@testable import AWSKit
import Foundation
import HTTPClient
import TestSupport
import Testing

/// The test secret and token; no error text may ever contain them.
enum TestSecrets {
    static let accessKey = "AKIDTESTEXAMPLE1234"
    static let secret = "wJalrXUtnFEMI/K7MDENG-SECRETMARKER-test"
    static let token = "FwoGZXIvYXdzEJr-TOKENMARKER-test"

    /// Whether `text` holds any secret or token the tests or the test server hand out.
    static func leaks(_ text: String) -> Bool {
        text.contains("SECRETMARKER") || text.contains("TOKENMARKER") || text.contains(secret) || text.contains(token)
    }
}

/// A throwaway home directory with `.aws/` and room for scripts, removed when released.
final class TestHome: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "awskit-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` at `relative` and returns the absolute path.
    @discardableResult
    func write(_ relative: String, _ text: String, executable: Bool = false) throws -> String {
        let file = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file)
        }
        return file
    }

    func config(_ text: String) throws { try write(".aws/config", text) }
    func credentials(_ text: String) throws { try write(".aws/credentials", text) }

    /// A shell script at `scripts/name` that runs `body`.
    func script(_ name: String, _ body: String) throws -> String {
        try write("scripts/\(name)", "#!/bin/sh\n" + body + "\n", executable: true)
    }

    /// An environment with only this HOME, a PATH, and instance metadata off (so nothing
    /// ever goes to 169.254.169.254), plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": path, "PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { $1 }
    }

    func configuration(_ extra: [String: String] = [:], profile: String? = nil) throws -> AWSConfiguration {
        try AWSConfiguration(environment: environment(extra), profile: profile)
    }
}

/// The loopback ECS / IMDS / STS stand-in (Tests/Support/aws_metadata_test_server.py), stopped by its PID.
final class AWSMetadataTestServer: @unchecked Sendable {
    let server: LoopbackServer
    var port: Int { server.port }

    init() async throws {
        server = try await LoopbackServer(script: "aws_metadata_test_server.py")
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// The last STS request's form parameters, plus `_authorization` and `_content_type`.
    func lastSTSRequest() async throws -> [String: String] {
        let response = try await CurlTransport.shared.send(HTTPRequest(method: "GET", url: base + "/last"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: String] ?? [:]
    }

    /// How many requests each path got.
    func counts() async throws -> [String: Int] {
        let response = try await CurlTransport.shared.send(HTTPRequest(method: "GET", url: base + "/count"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int] ?? [:]
    }

}

/// A transport that records requests and answers from a closure; nothing leaves the process.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private let answer: @Sendable (HTTPRequest) -> HTTPResponse

    init(answer: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.answer = answer
    }

    var requests: [HTTPRequest] { lock.withLock { recorded } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { recorded.append(request) }
        return answer(request)
    }
}

/// The error `body` throws, as an `AWSError`, or `nil` (which fails the test) when it throws none.
func awsError<T>(_ body: () async throws -> T) async -> AWSError? {
    do {
        _ = try await body()
        Issue.record("expected an AWSError")
        return nil
    } catch let error as AWSError {
        return error
    } catch {
        Issue.record("expected an AWSError, got \(error)")
        return nil
    }
}
