import Foundation
import Probes
import Testing
import TestSupport

/// End-to-end checks of `TLSProbe` against Debian's stunnel4 on 127.0.0.1 with certificates from a test CA.
@Suite("TLSProbe", .timeLimit(.minutes(1)))
struct TLSProbeTests {
    /// True for `YYYY-MM-DDTHH:MM:SSZ`.
    private static func isISO8601(_ s: String) -> Bool {
        let pattern = Array("dddd-dd-ddTdd:dd:ddZ")
        let chars = Array(s)
        guard chars.count == pattern.count else { return false }
        return zip(chars, pattern).allSatisfy { c, p in p == "d" ? c.isASCII && c.isNumber : c == p }
    }

    @Test("valid certificate verifies against the test CA; details are reported")
    func validWithCAFile() async throws {
        try await withStunnel(.valid) { server, pki in
            let r = await TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "localhost",
                                         timeout: .seconds(5), caFile: pki.caFile)
            #expect(r.failure == nil, "\(String(describing: r.failure)) \(server.log)")
            #expect(r.ok)
            #expect(r.verified)
            #expect(r.verification == "ok")
            #expect(r.serverName == "localhost")
            #expect(r.address == "127.0.0.1")
            #expect(r.protocolVersion == "TLSv1.3")
            #expect(r.cipher?.hasPrefix("TLS_") == true, "\(String(describing: r.cipher))")
            #expect(r.latencyMs > 0)
            #expect((r.handshakeMs ?? -1) > 0)
            let cert = try #require(r.certificate)
            #expect(cert.subject == "CN=localhost")
            #expect(cert.issuer == "CN=Probe Test CA,O=Probes Tests")
            #expect(cert.dnsNames == ["localhost"])
            #expect(cert.ipAddresses == ["127.0.0.1"])
            #expect((29...30).contains(cert.daysLeft), "daysLeft \(cert.daysLeft)")
            #expect(Self.isISO8601(cert.notBefore), "\(cert.notBefore)")
            #expect(Self.isISO8601(cert.notAfter), "\(cert.notAfter)")
            #expect(cert.notBefore < cert.notAfter)

            // Without a server name the IP literal is checked against the IP SAN (and not sent as SNI).
            let byIP = await TLSProbe.probe(host: "127.0.0.1", port: server.port, timeout: .seconds(5),
                                            caFile: pki.caFile)
            #expect(byIP.serverName == "127.0.0.1")
            #expect(byIP.verified, "\(String(describing: byIP.verification))")
        }
    }

    @Test("valid certificate without the test CA: handshake completes, verification fails, details present")
    func validWithoutCAFile() async throws {
        try await withStunnel(.valid) { server, _ in
            let r = await TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "localhost",
                                         timeout: .seconds(5))
            #expect(r.ok, "\(String(describing: r.failure))")
            #expect(!r.verified)
            let untrusted = ["unable to get local issuer certificate", "unable to verify the first certificate",
                             "self-signed certificate in certificate chain"]
            #expect(untrusted.contains(r.verification ?? "nil"), "\(String(describing: r.verification))")
            let cert = try #require(r.certificate)
            #expect(cert.subject == "CN=localhost")
            #expect(cert.issuer == "CN=Probe Test CA,O=Probes Tests")
            #expect(cert.dnsNames == ["localhost"])
        }
    }

    @Test("expired certificate: 'certificate has expired', dates and negative days left")
    func expired() async throws {
        try await withStunnel(.expired) { server, pki in
            let r = await TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "localhost",
                                         timeout: .seconds(5), caFile: pki.caFile)
            #expect(r.ok, "\(String(describing: r.failure))")
            #expect(!r.verified)
            #expect(r.verification == "certificate has expired")
            let cert = try #require(r.certificate)
            #expect(cert.notBefore == "2020-01-01T00:00:00Z")
            #expect(cert.notAfter == "2020-02-01T00:00:00Z")
            // Days since 2020-02-01, computed independently.
            let expected = -Int((Date().timeIntervalSince1970 - 1_580_515_200) / 86_400) - 1
            #expect(cert.daysLeft < 0)
            #expect(abs(cert.daysLeft - expected) <= 1, "daysLeft \(cert.daysLeft), expected ~\(expected)")
            #expect(cert.subject == "CN=localhost")
        }
    }

    @Test("certificate for another name: hostname mismatch (and verifies under its own name)")
    func wrongName() async throws {
        try await withStunnel(.wrongName) { server, pki in
            let r = await TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "localhost",
                                         timeout: .seconds(5), caFile: pki.caFile)
            #expect(r.ok, "\(String(describing: r.failure))")
            #expect(!r.verified)
            #expect(r.verification?.lowercased() == "hostname mismatch", "\(String(describing: r.verification))")
            let cert = try #require(r.certificate)
            #expect(cert.subject == "CN=wrong.example")
            #expect(cert.dnsNames == ["wrong.example"])
            #expect(cert.ipAddresses.isEmpty)

            let own = await TLSProbe.probe(host: "127.0.0.1", port: server.port, serverName: "wrong.example",
                                           timeout: .seconds(5), caFile: pki.caFile)
            #expect(own.verified, "\(String(describing: own.verification))")
        }
    }

    @Test("closed port: connection refused")
    func refused() async throws {
        let port = try freePort()
        let r = await TLSProbe.probe(host: "127.0.0.1", port: port, timeout: .seconds(2))
        #expect(r.failure == .connectFailed(.refused))
        #expect(!r.ok)
        #expect(r.certificate == nil)
        #expect(r.verification == nil)
        #expect(r.failure?.description == "connect failed: connection refused")
    }

    @Test("port that accepts but never speaks TLS: handshake timeout")
    func handshakeTimeout() async throws {
        let listener = try makeListener()
        // A loaded machine once stalled this process past the whole 600 ms before the connect
        // completed, and the probe rightly said "connect failed: timed out".
        await untilThisProcessKeepsTime()
        let start = ContinuousClock.now
        let r = await TLSProbe.probe(host: "127.0.0.1", port: listener.port, timeout: .milliseconds(600))
        let elapsed = ContinuousClock.now - start
        #expect(r.failure == .handshakeTimedOut)
        #expect(r.connectMs != nil)
        #expect(r.certificate == nil)
        #expect(elapsed >= .milliseconds(550), "\(elapsed)")
        #expect(r.latencyMs >= 550)
        withExtendedLifetime(listener) {}
    }

    @Test("plain-text server: handshake fails with OpenSSL's reason")
    func plainTextServer() async throws {
        let server = try makeListener()
        startSendAndCloseServer(server, payload: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        let r = await TLSProbe.probe(host: "127.0.0.1", port: server.port, timeout: .seconds(3))
        guard case .handshakeFailed(let text) = r.failure else {
            Issue.record("expected handshakeFailed, got \(String(describing: r.failure))")
            return
        }
        #expect(text.contains("wrong version number"), "\(text)")
        #expect(r.failure?.description.hasPrefix("TLS handshake failed: ") == true)
        #expect(r.connectMs != nil)
        #expect(r.certificate == nil)
        withExtendedLifetime(server) {}
    }

    @Test("bad CA file: setup failure, no connection attempted")
    func badCAFile() async throws {
        let r = await TLSProbe.probe(host: "127.0.0.1", port: 1, timeout: .seconds(1),
                                     caFile: "/nonexistent/ca.pem")
        guard case .setupFailed(let text) = r.failure else {
            Issue.record("expected setupFailed, got \(String(describing: r.failure))")
            return
        }
        #expect(text.contains("/nonexistent/ca.pem"))
        #expect(r.address == nil)
    }
}
