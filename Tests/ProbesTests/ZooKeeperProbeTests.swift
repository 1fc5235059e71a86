import Probes
import Testing
import TestSupport

/// Tests against real ZooKeeper 3.8 servers from Debian's `zookeeper` package on 127.0.0.1.
@Suite("ZooKeeper probe", .zooKeeperServers)
struct ZooKeeperProbeTests {
    let timeout: Duration = .seconds(10)

    private func servers() throws -> ZooKeeperServers {
        try #require(ZooKeeperServers.current, "the suite trait starts the servers")
    }

    @Test("status of a server with every four-letter word allowed")
    func statusOfWhitelistedServer() async throws {
        let server = try servers().open
        let statuses = try await ZooKeeperProbe.status(server.connectString, timeout: timeout)
        let status = try #require(statuses.first)
        #expect(statuses.count == 1)
        #expect(status.host == "127.0.0.1" && status.port == server.port)
        #expect(status.reachable)
        #expect(status.ok == true)
        #expect(status.fourLetterWordsAllowed == true)
        #expect(status.disabledFourLetterWords.isEmpty)
        #expect(status.mode == .standalone)
        #expect(status.version == "3.8.0")
        #expect(status.latency != nil)
        #expect(status.outstandingRequests != nil) // other tests run concurrently against this server
        #expect((status.znodeCount ?? 0) > 0)
        #expect((status.connections ?? 0) >= 1)
        #expect(status.mntr["zk_server_state"] == "standalone")
        #expect(status.mntr["zk_znode_count"] != nil)
        #expect(status.sessionEstablished)
        #expect(status.negotiatedSessionTimeoutMs == 10_000)
        #expect(status.error == nil)
        #expect(status.isUp)
        #expect(status.summary == "up (standalone)")
    }

    @Test("status of a server with the default whitelist: up, four-letter words disabled")
    func statusOfRestrictedServer() async throws {
        let server = try servers().restricted
        let status = try #require(try await ZooKeeperProbe.status(server.connectString, timeout: timeout).first)
        #expect(status.reachable)
        #expect(status.ok == nil)
        #expect(status.fourLetterWordsAllowed == false)
        #expect(status.disabledFourLetterWords == ["ruok", "mntr"])
        #expect(status.mntr.isEmpty)
        // srvr is on ZooKeeper 3.8's default whitelist, so the figures it carries are still known.
        #expect(status.mode == .standalone)
        #expect(status.version == "3.8.0")
        #expect(status.znodeCount != nil)
        #expect(status.sessionEstablished)
        #expect(status.error == nil)
        #expect(status.isUp)
        #expect(status.summary == "up, four-letter words disabled (standalone)")
    }

    @Test("status of a stopped server: down, connection refused")
    func statusOfStoppedServer() async throws {
        let server = try await ZooKeeperServer.start(whitelistAll: true)
        await server.stop()
        let status = try #require(try await ZooKeeperProbe.status(server.connectString, timeout: timeout).first)
        #expect(!status.reachable)
        #expect(!status.isUp)
        #expect(!status.sessionEstablished)
        #expect(status.ok == nil)
        #expect(status.fourLetterWordsAllowed == nil)
        #expect(status.error?.contains("connection refused by 127.0.0.1:\(server.port)") == true)
        #expect(status.summary.hasPrefix("down: "))
    }

    /// A node out of quorum answers `imok` to `ruok` but says it is not serving to `srvr` and
    /// refuses sessions; it was reported `up`. A real ensemble member whose two peers never start.
    @Test func aZooKeeperOutOfQuorumIsNotReportedUp() async throws {
        let server = try await ZooKeeperServer.startOutOfQuorum()
        let status = try #require(try await ZooKeeperProbe.status(server.connectString, timeout: timeout).first)
        await server.stop()
        #expect(status.reachable)
        #expect(status.ok == true)
        #expect(status.serving == false)
        #expect(!status.sessionEstablished)
        #expect(!status.isUp)
        #expect(status.summary.hasPrefix("reachable but not serving: "), "\(status.summary)")
        #expect(status.error?.contains("not currently serving requests") == true)
        #expect(status.error?.contains("closed it instead of opening a session") == true, "\(status.error ?? "")")
    }

    @Test("status probes every server of the connect string, in order")
    func statusOfEnsemble() async throws {
        let s = try servers()
        let closed = try freePort()
        let statuses = try await ZooKeeperProbe.status(
            "127.0.0.1:\(s.open.port),127.0.0.1:\(closed),127.0.0.1:\(s.restricted.port)/kafka", timeout: timeout)
        #expect(statuses.map(\.port) == [s.open.port, closed, s.restricted.port])
        #expect(statuses.map(\.isUp) == [true, false, true])
        #expect(statuses.map(\.fourLetterWordsAllowed) == [true, nil, false])
    }

    @Test("children of /brokers/ids")
    func childrenOfBrokerIds() async throws {
        let server = try servers().open
        let ids = try await ZooKeeperProbe.children(server.connectString, path: "/brokers/ids", timeout: timeout)
        #expect(ids == ["1", "2", "3"])
        // The restricted server has no four-letter words to spare, but the protocol still works.
        let root = try await ZooKeeperProbe.children(try servers().restricted.connectString, path: "/", timeout: timeout)
        #expect(root == ["zookeeper"])
    }

    @Test("children with a chroot connect string")
    func childrenWithChroot() async throws {
        let server = try servers().open
        let ids = try await ZooKeeperProbe.children(server.connectString + "/kafka", path: "/brokers/ids", timeout: timeout)
        #expect(ids == ["1001", "1002", "1003"])
        let top = try await ZooKeeperProbe.children(server.connectString + "/kafka", path: "/", timeout: timeout)
        #expect(top == ["brokers"])
    }

    @Test("children of a missing path: NoNode error naming the path")
    func childrenOfMissingPath() async throws {
        let server = try servers().open
        do {
            _ = try await ZooKeeperProbe.children(server.connectString + "/kafka", path: "/brokers/nope", timeout: timeout)
            Issue.record("expected NoNode")
        } catch {
            #expect(error.isNoNode)
            #expect(error.kind == .serverError(code: -101))
            #expect(error.server == server.connectString)
            #expect(error.description.contains("\"/brokers/nope\" does not exist on \(server.connectString)"))
            #expect(error.description.contains("\"/kafka/brokers/nope\""))
        }
    }

    @Test("children with two servers, the first down")
    func childrenWithOneServerDown() async throws {
        let server = try servers().open
        let closed = try freePort()
        let ids = try await ZooKeeperProbe.children("127.0.0.1:\(closed),\(server.connectString)",
                                                    path: "/brokers/ids", timeout: timeout)
        #expect(ids == ["1", "2", "3"])
    }

    @Test("children when every server is down")
    func childrenAllDown() async throws {
        let a = try freePort()
        let b = try freePort()
        do {
            _ = try await ZooKeeperProbe.children("127.0.0.1:\(a),127.0.0.1:\(b)", path: "/brokers/ids", timeout: timeout)
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .noServerAnswered)
            #expect(error.description.contains("connection refused by 127.0.0.1:\(a)"))
            #expect(error.description.contains("connection refused by 127.0.0.1:\(b)"))
        }
    }

    @Test("invalid connect strings and paths are rejected before connecting")
    func invalidArguments() async throws {
        await #expect(throws: ZooKeeperProbeError.self) {
            _ = try await ZooKeeperProbe.status("", timeout: .seconds(1))
        }
        for path in ["brokers", "/brokers/", "/a//b", "/a/../b"] {
            do {
                _ = try await ZooKeeperProbe.children("127.0.0.1:1", path: path, timeout: .seconds(1))
                Issue.record("expected \(path) to be rejected")
            } catch {
                #expect(error.kind == .invalidArgument)
                #expect(error.description.contains("Invalid ZooKeeper path"))
            }
        }
    }
}
