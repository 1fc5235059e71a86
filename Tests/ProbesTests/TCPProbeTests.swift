@testable import Probes
import Testing
import TestSupport

@Suite struct TCPProbeTests {
    @Test func openPortConnects() async throws {
        let listener = try makeListener()
        let r = await TCPProbe.probe(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        #expect(r.ok)
        #expect(r.failure == nil)
        #expect(r.address == "127.0.0.1")
        #expect(r.latencyMs >= 0)
    }

    @Test func closedPortIsRefused() async throws {
        let port = try freePort()
        let r = await TCPProbe.probe(host: "127.0.0.1", port: port, timeout: .seconds(2))
        #expect(!r.ok)
        #expect(r.failure == .refused)
        #expect(r.failure?.reason == .refused)
        #expect(r.address == "127.0.0.1")
    }

    @Test func silentListenerStillConnectsAtTCPLevel() async throws {
        // Linux completes the handshake into the accept queue even though nobody calls accept().
        let listener = try makeListener(backlog: 16)
        let r = await TCPProbe.probe(host: "127.0.0.1", port: listener.port, timeout: .seconds(2))
        #expect(r.ok)
    }

    @Test func fullAcceptQueueTimesOut() async throws {
        let listener = try makeListener(backlog: 0)
        let fillers = try await fillAcceptQueue(listener)
        let r = await TCPProbe.probe(host: "127.0.0.1", port: listener.port, timeout: .milliseconds(300))
        #expect(r.failure == .timedOut)
        #expect(r.failure?.reason == .timedOut)
        #expect(r.latencyMs >= 290)
        withExtendedLifetime(fillers) {}
    }

    @Test func unresolvableNameIsReported() async throws {
        let r = await TCPProbe.probe(host: "nosuchhost.invalid", port: 80, timeout: .seconds(5))
        #expect(r.failure == .nameNotResolved)
        #expect(r.address == nil)
    }

    @Test func invalidPortIsRejected() async {
        let r = await TCPProbe.probe(host: "127.0.0.1", port: 70_000, timeout: .seconds(1))
        #expect(r.failure == .other("invalid port 70000"))
    }

    @Test func localhostConnectsToLoopback() async throws {
        let listener = try makeListener()
        let r = await TCPProbe.probe(host: "localhost", port: listener.port, timeout: .seconds(2))
        #expect(r.ok)
        // ::1 is tried second; the IPv4 listener accepts on the first address.
        #expect(r.address == "127.0.0.1")
    }

    @Test func thousandConcurrentProbes() async throws {
        let listeners = try (0..<10).map { _ in try makeListener(backlog: 512) }
        // Held, not merely free: a free port taken by another test's server meanwhile once made
        // 94 of these probes connect where they should have been refused.
        let closed = try (0..<10).map { _ in try closedPort() }
        let targets: [(port: Int, open: Bool)] = (0..<1_000).map { i in
            i % 2 == 0 ? (listeners[(i / 2) % 10].port, true) : (closed[(i / 2) % 10].port, false)
        }
        let results = await withTaskGroup(of: (Int, TCPProbeResult).self) { group in
            for (i, t) in targets.enumerated() {
                group.addTask { (i, await TCPProbe.probe(host: "127.0.0.1", port: t.port, timeout: .seconds(10))) }
            }
            var out = [TCPProbeResult?](repeating: nil, count: targets.count)
            for await (i, r) in group { out[i] = r }
            return out
        }
        var wrong = 0
        for (i, t) in targets.enumerated() {
            let r = results[i]
            let good = t.open ? r?.ok == true : r?.failure == .refused
            if !good { wrong += 1 }
        }
        #expect(results.compactMap { $0 }.count == 1_000)
        #expect(wrong == 0)
        withExtendedLifetime((listeners, closed)) {}
    }

    @Test func cancellationStopsAPendingConnect() async throws {
        let listener = try makeListener(backlog: 0)
        let fillers = try await fillAcceptQueue(listener)
        let task = Task { await TCPProbe.probe(host: "127.0.0.1", port: listener.port, timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let r = await task.value
        #expect(r.failure == .cancelled)
        withExtendedLifetime(fillers) {}
    }
}
