import Foundation
@testable import Probes
import Testing
import TestSupport

/// Makes a PKI, starts stunnel forwarding to `backendPort`, runs `body`, and always cleans up.
private func withForwarder<T: Sendable>(_ leaf: TestLeaf = .valid, backendPort: Int, name: String,
                                        _ body: (StunnelServer, TestPKI) async throws -> T) async throws -> T {
    let pki = try await TestPKI.make()
    defer { pki.remove() }
    let (cert, key) = try await pki.issue(leaf)
    let forwarder = try await StunnelServer.start(pki: pki, cert: cert, key: key, name: "fwd-\(name)", backendPort: backendPort)
    do {
        let result = try await body(forwarder, pki)
        await forwarder.stop()
        return result
    } catch {
        await forwarder.stop()
        throw error
    }
}

@Suite("ProbeConnection over TLS", .serialized, .timeLimit(.minutes(1)))
struct TLSConnectionTests {
    @Test func echoOverTLS() async throws {
        let listener = try makeListener()
        startEchoServer(listener)
        try await withForwarder(backendPort: listener.port, name: "echo") { forwarder, pki in
            let tls = ProbeTLSOptions(serverName: "localhost", caFile: pki.caFile)
            let connection = try await ProbeConnection.connect(host: "127.0.0.1", port: forwarder.port,
                                                               timeout: .seconds(5), tls: tls)
            defer { connection.close() }
            #expect(connection.isTLS)
            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
            // Larger than one TLS record, so several SSL_read calls are needed.
            let payload = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try await connection.write(payload, deadline: deadline)
            let echoed = try await connection.read(exactly: payload.count, deadline: deadline)
            #expect(echoed == payload)
            try await connection.write(Array("hello".utf8), deadline: deadline)
            #expect(try await connection.read(exactly: 5, deadline: deadline) == Array("hello".utf8))
        }
    }

    @Test func ipLiteralHostVerifiesAgainstIPSAN() async throws {
        let listener = try makeListener()
        startEchoServer(listener)
        try await withForwarder(backendPort: listener.port, name: "ip") { forwarder, pki in
            let connection = try await ProbeConnection.connect(host: "127.0.0.1", port: forwarder.port, timeout: .seconds(5),
                                                               tls: ProbeTLSOptions(caFile: pki.caFile))
            defer { connection.close() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
            try await connection.write([1, 2, 3], deadline: deadline)
            #expect(try await connection.read(exactly: 3, deadline: deadline) == [1, 2, 3])
        }
    }

    @Test func verificationFailureWithoutCAFile() async throws {
        let listener = try makeListener()
        try await withForwarder(backendPort: listener.port, name: "noca") { forwarder, _ in
            let tls = ProbeTLSOptions(serverName: "localhost")
            do {
                let connection = try await ProbeConnection.connect(host: "127.0.0.1", port: forwarder.port,
                                                                   timeout: .seconds(5), tls: tls)
                connection.close()
                Issue.record("connect succeeded although the test CA is not trusted")
            } catch let error as ProbeConnectionError {
                let text = error.description
                #expect(text.contains("failed verification"), "\(text)")
                #expect(text.contains("local issuer certificate") || text.contains("self-signed")
                        || text.contains("unable to"), "\(text)")
            }
        }
    }

    @Test func wrongNameFailsUnlessVerifyIsOff() async throws {
        let listener = try makeListener()
        // Two accepts: stunnel may open a backend connection for the rejected client too.
        startEchoServer(listener)
        startEchoServer(listener)
        try await withForwarder(.wrongName, backendPort: listener.port, name: "wrongname") { forwarder, pki in
            await #expect {
                _ = try await ProbeConnection.connect(host: "127.0.0.1", port: forwarder.port, timeout: .seconds(5),
                                                      tls: ProbeTLSOptions(serverName: "localhost", caFile: pki.caFile))
            } throws: { error in
                "\(error)".contains("hostname mismatch")
            }
            let connection = try await ProbeConnection.connect(
                host: "127.0.0.1", port: forwarder.port, timeout: .seconds(5),
                tls: ProbeTLSOptions(serverName: "localhost", verify: false))
            defer { connection.close() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(5))
            try await connection.write([9, 8], deadline: deadline)
            #expect(try await connection.read(exactly: 2, deadline: deadline) == [9, 8])
        }
    }

    @Test func handshakeAgainstPlainServerFails() async throws {
        let listener = try makeListener()
        startSendAndCloseServer(listener, payload: Array("HTTP/1.0 400 Bad Request\r\n\r\n".utf8))
        await #expect {
            _ = try await ProbeConnection.connect(host: "127.0.0.1", port: listener.port, timeout: .seconds(5),
                                                  tls: ProbeTLSOptions(serverName: "localhost"))
        } throws: { error in
            "\(error)".contains("TLS handshake")
        }
    }

    @Test func zooKeeperFourLetterWordOverTLS() async throws {
        let listener = try makeListener()
        // A four-letter word in, the answer out, then the close that ends it.
        startSendAndCloseServer(listener, payload: Array("imok".utf8), afterReceiving: 4)
        try await withForwarder(backendPort: listener.port, name: "zk4lw") { forwarder, pki in
            let server = HostPort(host: "127.0.0.1", port: forwarder.port)
            let reply = await FourLetterWords.send("ruok", to: server,
                                                   deadline: ContinuousClock.now.advanced(by: .seconds(5)),
                                                   tls: ProbeTLSOptions(serverName: "localhost", caFile: pki.caFile))
            guard case .answered(let text) = reply else {
                Issue.record("unexpected reply \(reply)")
                return
            }
            #expect(text == "imok")
        }
    }

    @Test func kafkaApiVersionsOverTLS() async throws {
        let cluster = try await KafkaMockCluster.start(brokers: 1, topics: ["t:1:1"])
        defer { cluster.stop() }
        let broker = try #require(cluster.brokers.first)
        try await withForwarder(backendPort: broker.port, name: "kafka") { forwarder, pki in
            let versions = try await KafkaWireProbe.apiVersions(
                host: "127.0.0.1", port: forwarder.port, timeout: .seconds(5),
                tls: ProbeTLSOptions(serverName: "localhost", caFile: pki.caFile))
            #expect(versions.errorCode == 0)
            let metadata = try #require(versions.range(for: 3))
            #expect(metadata.minVersion <= 1 && metadata.maxVersion >= 1)
        }
    }
}
