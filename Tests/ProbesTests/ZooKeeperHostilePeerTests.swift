import Probes
import Testing
import TestSupport

private typealias Frames = HostileServer.ZooKeeper

/// What a broken or hostile ZooKeeper peer can do to the probe: lengths it claims are checked against
/// a documented limit, the timeout holds however much it sends, and one slow check cannot starve
/// the others.
struct ZooKeeperHostilePeerTests {
    /// A session handshake, read whole, answered with a session.
    private let handshake: [HostileServer.Step] = [.read(49), .send(Frames.connectResponse)]

    /// `zk.children` under an endless stream of watch notifications took 5–25 s on a 2 s timeout:
    /// the deadline was checked only when the socket was idle.
    @Test func zkChildrenUnderAWatchFloodEndsWithinItsTimeout() async throws {
        await untilThisProcessKeepsTime()
        let server = try HostileServer(handshake + [.endless(Frames.watchNotification)])
        let started = ContinuousClock.now
        let error = await #expect(throws: ZooKeeperProbeError.self) {
            _ = try await ZooKeeperProbe.children("127.0.0.1:\(server.port)", path: "/brokers/ids", timeout: .seconds(2))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(3), "took \(elapsed)")
        #expect(error?.kind == .connectionFailed)
        #expect(error?.description.contains("timed out reading from 127.0.0.1:\(server.port)") == true, "\(error?.description ?? "")")
    }

    /// The same stream with pauses made the error say "after 0 ms": each read timed its own wait.
    /// Timeouts now give the time spent on the server since connecting.
    @Test func errorsGiveTheRealElapsedTime() async throws {
        await untilThisProcessKeepsTime()
        let burst = Array(repeatElement(Frames.watchNotification, count: 10).joined())
        let server = try HostileServer(handshake + [.flood(burst, every: .milliseconds(5))])
        let started = ContinuousClock.now
        let error = await #expect(throws: ZooKeeperProbeError.self) {
            _ = try await ZooKeeperProbe.children("127.0.0.1:\(server.port)", path: "/brokers/ids", timeout: .seconds(1))
        }
        let elapsed = ContinuousClock.now - started
        // The time since connecting: at least the timeout, at most what the test saw.
        let text = error?.description ?? ""
        #expect((950...milliseconds(elapsed)).contains(elapsedMilliseconds(in: text) ?? 0), "\(text)")
    }

    /// A reply claiming 64 MiB is refused at once, naming the size claimed and the limit; the
    /// buffer would only have grown as bytes arrived.
    @Test func aZooKeeperReplyClaiming64MiBIsRefusedWithoutAllocatingIt() async throws {
        await untilThisProcessKeepsTime()
        let server = try HostileServer([.read(49), .send(lengthPrefix(64 << 20)), .pause(.seconds(30))])
        let error = await #expect(throws: ZooKeeperProbeError.self) {
            _ = try await ZooKeeperProbe.children("127.0.0.1:\(server.port)", path: "/brokers/ids", timeout: .seconds(10))
        }
        #expect(error?.kind == .protocolError)
        let text = error?.description ?? ""
        #expect(text.contains("claims 67108864 bytes (64 MiB)") && text.contains("the 4 MiB limit"), "\(text)")
        #expect(ZooKeeperProbe.maxReplySize == 4 << 20)
    }

    /// A `ruok` answered at 1 byte/s used the whole timeout, so the session check never ran and a
    /// serving server was reported down. Each check now has the whole timeout, at once.
    @Test func aDrippingFourLetterWordLeavesTimeForTheSessionCheck() async throws {
        await untilThisProcessKeepsTime()
        let srvr = "Zookeeper version: 3.8.4-abc, built on 2024-02-12 22:16 UTC\nLatency min/avg/max: 0/0.0/0\n"
            + "Connections: 1\nOutstanding: 0\nMode: standalone\nNode count: 5\n"
        let server = try HostileServer([.choose(count: 4, [
            Array("ruok".utf8): [.drip(Array("imok".utf8), every: .seconds(1))],
            Array("srvr".utf8): [.send(Array(srvr.utf8))],
            Array("mntr".utf8): [.send(Array("mntr is not executed because it is not in the whitelist.\n".utf8))],
            Frames.connectRequestLength: [.read(45), .send(Frames.connectResponse), .pause(.seconds(30))],
        ])])
        let started = ContinuousClock.now
        let status = try #require(try await ZooKeeperProbe.status("127.0.0.1:\(server.port)", timeout: .seconds(2)).first)
        #expect(ContinuousClock.now - started < .seconds(5))  // the 2 s timeout, with room for a loaded machine
        #expect(status.sessionEstablished)
        #expect(status.serving == true)
        #expect(status.isUp)
        #expect(status.ok == nil)
        #expect(status.error?.contains("`ruok` on 127.0.0.1:\(server.port) failed: timed out reading") == true, "\(status.error ?? "")")
    }
}
