import HTTPClient
import Foundation
import Testing
import TestSupport

@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct CurlTransportTests {
    let server: LoopbackServer
    let transport = CurlTransport.shared

    init() async throws { server = try await LoopbackServer(script: "http_test_server.py") }

    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    @Test func sendsMethodHeadersAndBodyExactly() async throws {
        let body = Array(#"{"brokerIds":["2"]}"#.utf8)
        let response = try await transport.send(HTTPRequest(
            method: "PUT", url: server.url + "/echo?x=1",
            headers: [("Content-Type", "application/json"), ("X-Amz-Date", "20261126T000000Z")], body: body))
        #expect(response.status == 200)
        #expect(response.header("x-test-header") == "present")
        let echo = try json(response)
        #expect(echo["method"] as? String == "PUT")
        #expect(echo["path"] as? String == "/echo?x=1")
        #expect(echo["body"] as? String == #"{"brokerIds":["2"]}"#)
        let headers = (echo["headers"] as? [[String]] ?? []).map { $0.joined(separator: ": ") }
        #expect(headers.contains("X-Amz-Date: 20261126T000000Z"))
        #expect(headers.contains("Content-Type: application/json"))
        #expect(!headers.contains { $0.hasPrefix("Expect") })
    }

    @Test func postWithoutContentTypeSendsNone() async throws {
        let response = try await transport.send(HTTPRequest(method: "POST", url: server.url + "/echo", body: Array("a=b".utf8)))
        let headers = (try json(response)["headers"] as? [[String]] ?? []).map { $0[0].lowercased() }
        #expect(!headers.contains("content-type"))
    }

    @Test func statusCodesAreResponsesNotErrors() async throws {
        let response = try await transport.send(HTTPRequest(method: "GET", url: server.url + "/status/503"))
        #expect(response.status == 503)
    }

    @Test func concurrentCallsOverlapOnOneThread() async throws {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                let (transport, url) = (transport, server.url + "/slow?ms=300")
                group.addTask { try await transport.send(HTTPRequest(method: "GET", url: url)).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        let stats = try json(try await transport.send(HTTPRequest(method: "GET", url: server.url + "/stats")))
        // Serial calls would show 1. Half of the 20 is not a bar a loaded machine always clears: at load 8
        // on 2 cores the Python server accepted 9 at once; a quarter still shows calls overlapping.
        #expect((stats["max_in_flight"] as? Int ?? 0) >= 5)
    }

    @Test func connectionsAreReused() async throws {
        for _ in 0..<5 { _ = try await transport.send(HTTPRequest(method: "GET", url: server.url + "/echo")) }
        let count = try json(try await transport.send(HTTPRequest(method: "GET", url: server.url + "/connections")))["connections"] as? Int
        #expect(count == 1)
    }

    @Test func aSlowAnswerTimesOut() async throws {
        let error = await #expect(throws: HTTPTransportError.self) {
            try await self.transport.send(HTTPRequest(method: "GET", url: self.server.url + "/slow?ms=2000", timeout: .milliseconds(200)))
        }
        #expect(error?.kind == .timedOut)
        #expect(error?.isTransient == true)
    }

    @Test func aResetConnectionIsATransientError() async throws {
        let error = await #expect(throws: HTTPTransportError.self) {
            try await self.transport.send(HTTPRequest(method: "GET", url: self.server.url + "/reset"))
        }
        #expect(error?.kind == .connectionReset)
    }

    @Test func aClosedPortIsRefused() async throws {
        let port = try freePort()  // nothing listens there now
        let error = await #expect(throws: HTTPTransportError.self) {
            try await self.transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/"))
        }
        #expect(error?.kind == .connectionRefused)
    }

    @Test func aResponseOverTheCapFails() async throws {
        let error = await #expect(throws: HTTPTransportError.self) {
            try await self.transport.send(HTTPRequest(method: "GET", url: self.server.url + "/big?bytes=\(CurlTransport.maximumBody + 10)", timeout: .seconds(20)))
        }
        #expect(error?.kind == .responseTooLarge)
    }

    /// The server sends 4 KiB of an announced 8 KiB and then stalls: only a transfer that stops
    /// at maxBody answers before the timeout.
    @Test func maxBodyStopsReadingAndAnswersTruncated() async throws {
        let response = try await transport.send(HTTPRequest(
            method: "GET", url: server.url + "/stall?bytes=4096&ms=10000", timeout: .seconds(5), maxBody: 1000))
        #expect(response.status == 200)
        #expect(response.truncated)
        #expect(response.body == Array(repeating: UInt8(ascii: "x"), count: 1000))
        #expect(response.header("content-type") == "text/plain")
    }

    @Test func aBodyOfExactlyMaxBodyIsWhole() async throws {
        let response = try await transport.send(HTTPRequest(method: "GET", url: server.url + "/big?bytes=1000", maxBody: 1000))
        #expect(!response.truncated)
        #expect(response.body.count == 1000)
    }

    @Test func maxBodyPastTheHardCapIsCutAtTheCap() async throws {
        let response = try await transport.send(HTTPRequest(
            method: "GET", url: server.url + "/big?bytes=\(CurlTransport.maximumBody + 10)", timeout: .seconds(20), maxBody: .max))
        #expect(response.truncated)
        #expect(response.body.count == CurlTransport.maximumBody)
    }

    /// A CA file replaces the system store, so one that cannot be read fails the TLS setup
    /// (the plain HTTP server never gets as far as a handshake).
    @Test func anUnreadableCAFileFailsTheTLSSetup() async throws {
        let url = "https://127.0.0.1:\(server.port)/echo"
        let error = await #expect(throws: HTTPTransportError.self) {
            try await self.transport.send(HTTPRequest(method: "GET", url: url, timeout: .seconds(5), caFile: "/nonexistent/ca.pem"))
        }
        #expect(error?.kind == .setupFailed)
        #expect(error?.isTransient == false)
        #expect(error?.message.contains("/nonexistent/ca.pem") == true)
    }

    @Test func cancellingTheTaskCancelsTheTransfer() async throws {
        let (transport, url) = (transport, server.url + "/slow?ms=5000")
        let task = Task { try await transport.send(HTTPRequest(method: "GET", url: url)) }
        try await Task.sleep(nanoseconds: 100_000_000)
        task.cancel()
        let result = await task.result
        guard case .failure(let error as HTTPTransportError) = result else {
            Issue.record("expected a cancelled transfer, got \(result)")
            return
        }
        #expect(error.kind == .cancelled)
    }
}
