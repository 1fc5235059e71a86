@testable import Probes
import Testing
import TestSupport

extension ZooKeeperProbeTests {
    @Test("session handshake, getChildren2 and an acknowledged closeSession")
    func sessionLifecycle() async throws {
        let server = try #require(ZooKeeperServers.current).restricted
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var session = try await ZooKeeperSession.open(HostPort(host: "127.0.0.1", port: server.port), deadline: deadline)
        #expect(session.sessionId != 0)
        #expect(session.negotiatedTimeoutMs == ZooKeeperSession.requestedSessionTimeoutMs)
        #expect(try await session.children(of: "/zookeeper", displayPath: "/zookeeper", deadline: deadline).sorted() == ["config", "quota"])
        #expect(await session.close(deadline: deadline))
    }

    @Test("srvr and mntr parsing")
    func parsing() {
        let srvr = FourLetterWords.parseSrvr("""
            Zookeeper version: 3.6.3--6401e4ad2087061bc6b9f80dec2d69f2e3c8660a, built on 04/08/2021 16:35 GMT
            Latency min/avg/max: 1/2.5/30
            Received: 4
            Connections: 3
            Outstanding: 7
            Mode: follower
            Node count: 42
            """)
        #expect(srvr.version == "3.6.3")
        #expect(srvr.latency == ZooKeeperLatency(min: 1, avg: 2.5, max: 30))
        #expect(srvr.mode == .follower && srvr.outstanding == 7 && srvr.znodeCount == 42 && srvr.connections == 3)
        let pairs = FourLetterWords.parseMntrPairs("zk_version\t3.8.0-abc, built on x\nzk_server_state\tleader\nzk_znode_count\t9\n")
        let mntr = FourLetterWords.figures(fromMntr: pairs)
        #expect(mntr.mode == .leader && mntr.version == "3.8.0" && mntr.znodeCount == 9)
    }

    /// Lengths and counts inside a reply are checked against the bytes left before anything is
    /// allocated for them.
    @Test func juteLengthsAndCountsAreCheckedAgainstTheBytesLeft() {
        var buffer = JuteReader([0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(throws: JuteError.self) { _ = try buffer.buffer("data") }
        var vector = JuteReader([0x7F, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 12))
        let error = #expect(throws: JuteError.self) { _ = try vector.stringVector("children") }
        #expect(error?.message.contains("implausible children count 2147483647") == true)
    }
}
