import AWSKit
import HTTPClient
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct AWSServiceClientTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
    let server: LoopbackServer

    init() async throws { server = try await LoopbackServer(script: "http_test_server.py") }

    func client() throws -> AWSServiceClient {
        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)"))
        return AWSServiceClient(
            service: "kafka", signingName: "kafka", region: "us-east-1", endpoint: url,
            credentials: { AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token) },
            sleep: { _ in })
    }

    final class Attempts: Sendable {
        private let store = Mutex<[AWSAttempt]>([])
        var all: [AWSAttempt] { store.withLock { $0 } }
        func add(_ attempt: AWSAttempt) { store.withLock { $0.append(attempt) } }
    }

    @Test func throttledTwiceThenAnsweredSucceedsOnTheThirdAttempt() async throws {
        let attempts = Attempts()
        let response = try await client().send(
            operation: "DescribeCluster", method: "GET", path: "/flaky", query: "key=throttle&fail=2&status=429&code=ThrottlingException",
            onAttempt: attempts.add)
        #expect(response.status == 200)
        #expect(response.requestID == "req-throttle-3")
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(body?["attempt"] as? Int == 3)
        #expect(body?["signed"] as? Bool == true)
        #expect(attempts.all.map(\.number) == [1, 2, 3])
        #expect(attempts.all.map(\.error) == ["ThrottlingException", "ThrottlingException", nil])
        #expect(attempts.all.map(\.status) == [429, 429, 200])
        #expect(attempts.all[0].retryAfter != nil && attempts.all[2].retryAfter == nil)
    }

    /// An answer dripping a byte a second once held a call for three attempts of 30 s: the
    /// call's total timeout bounds every attempt and every wait together.
    @Test func aCallEndsAtItsTotalTimeoutAcrossAttempts() async throws {
        await untilThisProcessKeepsTime()
        let drip = try HostileServer.http(body: .drip(Array(repeating: UInt8(ascii: "x"), count: 100), every: .milliseconds(500)))
        var client = AWSServiceClient(
            service: "kafka", signingName: "kafka", region: "us-east-1", endpoint: try #require(URL(string: drip.url)),
            credentials: { AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret) })
        client.retry = RetryPolicy(callTimeout: .seconds(2))
        let attempts = Attempts()
        let started = ContinuousClock.now
        await #expect(throws: HTTPTransportError.self) {
            try await client.send(operation: "DescribeCluster", method: "GET", path: "/", timeout: .milliseconds(1500), onAttempt: attempts.add)
        }
        let took = ContinuousClock.now - started
        #expect(took < .seconds(3), "the call took \(took)")
        #expect(attempts.all.count >= 1 && attempts.all.allSatisfy { $0.error == "timed out" }, "\(attempts.all.map(\.error))")
        #expect(attempts.all.last?.retryAfter == nil)
    }

    @Test func givesUpAfterThreeAttemptsWithTheServiceError() async throws {
        let attempts = Attempts()
        let error = await #expect(throws: AWSServiceError.self) {
            try await client().send(operation: "RebootBroker", method: "PUT", path: "/flaky",
                                    query: "key=always&fail=9&status=503&code=ServiceUnavailableException", onAttempt: attempts.add)
        }
        #expect(attempts.all.count == 3)
        #expect(error?.code == "ServiceUnavailableException")
        #expect(error?.description == "kafka.RebootBroker: ServiceUnavailableException: attempt 3 refused (HTTP 503, request id req-always-3)")
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let attempts = Attempts()
        let error = await #expect(throws: AWSServiceError.self) {
            try await client().send(operation: "DescribeCluster", method: "GET", path: "/flaky",
                                    query: "key=missing&fail=9&status=404&code=NotFoundException", onAttempt: attempts.add)
        }
        #expect(attempts.all.count == 1)
        #expect(error?.code == "NotFoundException")
        #expect(error?.status == 404)
    }

    @Test func anEmptyRetryQuotaStopsRetrying() async throws {
        let quota = RetryQuota()
        let url = try #require(URL(string: "http://127.0.0.1:\(server.port)"))
        let client = AWSServiceClient(service: "kafka", signingName: "kafka", region: "us-east-1", endpoint: url, quota: quota,
                                      credentials: { AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret) }, sleep: { _ in })
        // 100 retries of 5 tokens drain the bucket of 500.
        for i in 0..<50 {
            _ = try? await client.send(operation: "X", method: "GET", path: "/flaky", query: "key=drain\(i)&fail=9&status=500&code=InternalFailure")
        }
        #expect(await quota.available == 0)
        let attempts = Attempts()
        _ = try? await client.send(operation: "X", method: "GET", path: "/flaky", query: "key=after&fail=1&status=500&code=InternalFailure", onAttempt: attempts.add)
        #expect(attempts.all.count == 1)
    }

    @Test func backoffIsFullJitterCappedAtTwentySeconds() {
        let policy = RetryPolicy()
        #expect(policy.backoff(after: 1, random: 1) == .seconds(1))
        #expect(policy.backoff(after: 3, random: 0.5) == .seconds(2))
        #expect(policy.backoff(after: 10, random: 1) == .seconds(20))
        #expect(policy.backoff(after: 4, random: 0) == .zero)
    }

    @Test func errorsNeverCarryTheSecretOrToken() async throws {
        let error = await #expect(throws: AWSServiceError.self) {
            try await client().send(operation: "DescribeCluster", method: "GET", path: "/flaky", query: "key=leak&fail=9&status=403&code=AccessDeniedException")
        }
        let text = String(describing: error) + String(reflecting: error)
        #expect(!text.contains(Self.secret) && !text.contains(Self.token))
    }
}
