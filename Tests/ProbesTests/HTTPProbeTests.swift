import HTTPClient
import Probes
import Synchronization
import Testing
import TestSupport

/// `HTTPProbe` against Tests/Support/http_test_server.py, with stunnel in front of it for HTTPS;
/// all on 127.0.0.1.
@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct HTTPProbeTests {
    let server: LoopbackServer

    init() async throws { server = try await LoopbackServer(script: "http_test_server.py") }

    @Test func answersWithStatusLowercasedHeadersAndBody() async throws {
        let result = try await HTTPProbe.get(url: server.url + "/echo", headers: [("X-Probe", "yes")], timeout: .seconds(5))
        #expect(result.ok)
        #expect(result.failure == nil)
        #expect(result.status == 200)
        #expect(result.url == server.url + "/echo")
        #expect(result.headers["x-test-header"] == "present")
        #expect(result.headers["content-type"] == "application/json")
        #expect(result.text.contains(#"["X-Probe", "yes"]"#))
        #expect(!result.truncated)
        #expect(result.latencyMs > 0)
    }

    /// A 302 loop was once `ok`: only a 2xx is ok, and a redirect gives its location.
    @Test func aStatusOutside2xxIsAnAnswerThatIsNotOK() async throws {
        let missing = try await HTTPProbe.get(url: server.url + "/status/404", timeout: .seconds(5))
        #expect(!missing.ok)
        #expect(missing.status == 404)
        #expect(missing.failure == nil)
        #expect(missing.text == #"{"status":"as asked"}"#)
        let redirect = try await HTTPProbe.get(url: server.url + "/status/302", timeout: .seconds(5))
        #expect(!redirect.ok)
        #expect(redirect.status == 302 && redirect.failure == nil)
    }

    /// The server announces 8 KiB, sends 4 KiB and stalls for 10 s: only a probe that stops
    /// reading at maxBody answers inside its 5 s timeout.
    @Test func maxBodyTruncatesWhileReading() async throws {
        let result = try await HTTPProbe.get(url: server.url + "/stall?bytes=4096&ms=10000", timeout: .seconds(5), maxBody: 100)
        #expect(result.ok)
        #expect(result.truncated)
        #expect(result.text == String(repeating: "x", count: 100))
        #expect(result.latencyMs < 5000)
    }

    @Test func aClosedPortIsRefused() async throws {
        let result = try await HTTPProbe.get(url: "http://127.0.0.1:\(try freePort())/", timeout: .seconds(5))
        #expect(!result.ok)
        #expect(result.status == nil)
        #expect(result.failure?.reason == .refused)
        #expect(result.failure?.description.contains("127.0.0.1") == true)
    }

    @Test func aSlowServerTimesOut() async throws {
        await untilThisProcessKeepsTime()
        let result = try await HTTPProbe.get(url: server.url + "/slow?ms=3000", timeout: .milliseconds(300))
        #expect(!result.ok)
        #expect(result.failure?.reason == .timedOut)
        #expect(result.latencyMs < 3000)
    }

    @Test(arguments: [
        ("ftp://127.0.0.1/", "url"), ("127.0.0.1:80", "url"), ("http://", "url"), ("https:///path", "url"),
        ("http://127.0.0.1/a b", "url"), ("http://127.0.0.1/\r\nX: y", "url"),
    ])
    func aURLThatCouldNeverBeSentThrowsBeforeAnyIO(url: String, argument: String) async throws {
        let transport = CountingTransport()
        let error = await #expect(throws: ProbeError.self) {
            _ = try await HTTPProbe.get(url: url, timeout: .seconds(1), transport: transport)
        }
        #expect(error?.description.hasPrefix("argument \(argument):") == true)
        #expect(throws: ProbeError.self) { try HTTPProbe.validate(url: url) }
        #expect(transport.count == 0)
    }

    @Test func headersThatWouldSplitTheRequestAndANegativeMaxBodyThrow() async throws {
        let transport = CountingTransport()
        let url = server.url + "/echo"
        await #expect(throws: ProbeError.self) {
            _ = try await HTTPProbe.get(url: url, headers: [("X-A", "1\r\nX-Injected: 1")], timeout: .seconds(1), transport: transport)
        }
        await #expect(throws: ProbeError.self) {
            _ = try await HTTPProbe.get(url: url, headers: [("Bad Name", "1")], timeout: .seconds(1), transport: transport)
        }
        await #expect(throws: ProbeError.self) {
            _ = try await HTTPProbe.get(url: url, timeout: .seconds(1), maxBody: -1, transport: transport)
        }
        #expect(transport.count == 0)
        #expect(throws: Never.self) { try HTTPProbe.validate(url: "HTTPS://example.com:8443/x?y=1", headers: [("Accept", "*/*")]) }
    }

    /// A transport that ignores maxBody (a recording, a test double) is still held to it.
    @Test func aBodyPastMaxBodyFromAnyTransportIsCut() async throws {
        let transport = CountingTransport(body: Array("0123456789".utf8))
        let result = try await HTTPProbe.get(url: "http://127.0.0.1:1/", timeout: .seconds(1), maxBody: 4, transport: transport)
        #expect(result.text == "0123")
        #expect(result.truncated)
        #expect(transport.count == 1)
    }

    /// stunnel, with a leaf from a throwaway CA, in front of the test server: the system store
    /// does not know the CA, the CA file does.
    @Test func httpsVerifiesWithTheGivenCAFile() async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let (cert, key) = try await pki.issue(.valid)
        let stunnel = try await StunnelServer.start(pki: pki, cert: cert, key: key, name: "https", backendPort: server.port)
        let url = "https://127.0.0.1:\(stunnel.port)/echo"
        let probes: (unverified: HTTPProbeResult, verified: HTTPProbeResult, missingCA: HTTPProbeResult)
        do {
            probes = (try await HTTPProbe.get(url: url, timeout: .seconds(5)),
                      try await HTTPProbe.get(url: url, timeout: .seconds(5), caFile: pki.caFile),
                      try await HTTPProbe.get(url: url, timeout: .seconds(5), caFile: pki.dir + "/no-such-ca.pem"))
        } catch {
            await stunnel.stop()
            throw error
        }
        await stunnel.stop()
        let (unverified, verified, missingCA) = probes

        #expect(!unverified.ok)
        #expect(unverified.failure?.reason == .tls)
        #expect(verified.ok, "\(verified.failure?.description ?? "")")
        #expect(verified.status == 200)
        #expect(verified.text.contains(#""path": "/echo""#))
        #expect(missingCA.failure?.reason == .setupFailed)
    }
}

/// Answers every request with 200 and a fixed body, counting what it was asked to send.
final class CountingTransport: HTTPTransport {
    private let sent = Mutex(0)
    private let body: [UInt8]

    init(body: [UInt8] = []) { self.body = body }

    var count: Int { sent.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        sent.withLock { $0 += 1 }
        return HTTPResponse(status: 200, body: body)
    }
}
