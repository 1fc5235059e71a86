import Glibc
import Synchronization
import Testing
@testable import Probes

/// A resolver pool whose "getaddrinfo" is scripted and counted, never touching the network.
private final class FakeLookup: Sendable {
    private let state = Mutex((calls: 0, running: 0, peak: 0))
    let delayMicros: UInt32

    init(delayMicros: UInt32 = 0) {
        self.delayMicros = delayMicros
    }

    var calls: Int { state.withLock { $0.calls } }
    var peak: Int { state.withLock { $0.peak } }

    func pool(maxThreads: Int = 8) -> ResolverPool {
        ResolverPool(maxThreads: maxThreads) { [self] host in self.lookup(host) }
    }

    private func lookup(_ host: String) -> ResolutionRequest.Answer {
        state.withLock {
            $0.calls += 1
            $0.running += 1
            $0.peak = max($0.peak, $0.running)
        }
        if delayMicros > 0 { usleep(delayMicros) }
        state.withLock { $0.running -= 1 }
        if host.hasSuffix(".invalid") { return .failure(.nameNotResolved) }
        return .success([.loopbackV4])
    }
}

private func deadline(_ d: Duration) -> ContinuousClock.Instant { .now.advanced(by: d) }

@Suite struct DNSProbeTests {
    @Test func literalsAndLocalhostNeverReachTheResolver() async {
        let fake = FakeLookup()
        let pool = fake.pool()
        let v4 = await Resolver.resolve("192.0.2.7", deadline: deadline(.seconds(1)), pool: pool)
        let v6 = await Resolver.resolve("[2001:db8::1]", deadline: deadline(.seconds(1)), pool: pool)
        let local = await Resolver.resolve("LocalHost", deadline: deadline(.seconds(1)), pool: pool)
        #expect((try? v4.get())?.map(\.text) == ["192.0.2.7"])
        #expect((try? v6.get())?.map(\.text) == ["2001:db8::1"])
        #expect((try? local.get())?.map(\.text) == ["127.0.0.1", "::1"])
        #expect(fake.calls == 0)
    }

    @Test func publicAPIResolvesLiteralsInstantly() async {
        let r = await DNSProbe.resolve("127.0.0.1", timeout: .seconds(1))
        #expect(r.ok)
        #expect(r.addresses == ["127.0.0.1"])
        let six = await DNSProbe.resolve("::1", timeout: .seconds(1))
        #expect(six.addresses == ["::1"])
    }

    @Test func invalidTLDIsNotResolved() async {
        // `getent hosts nosuchhost.invalid` fails in milliseconds on this machine (checked before writing this test).
        let r = await DNSProbe.resolve("nosuchhost.invalid", timeout: .seconds(5))
        #expect(!r.ok)
        #expect(r.failure == .nameNotResolved)
        #expect(r.addresses.isEmpty)
    }

    @Test func injectedResolverFailureMapsToNameNotResolved() async {
        let fake = FakeLookup()
        let r = await Resolver.resolve("nosuchhost.invalid", deadline: deadline(.seconds(2)), pool: fake.pool())
        #expect(r == .failure(.nameNotResolved))
        #expect(fake.calls == 1)
    }

    @Test func slowResolverTimesOut() async {
        let fake = FakeLookup(delayMicros: 30_000_000)  // far longer than any load can delay the timeout
        let r = await Resolver.resolve("slow.example", deadline: deadline(.milliseconds(200)), pool: fake.pool())
        #expect(r == .failure(.timedOut))
    }

    @Test func poolIsBoundedAndQueuesTheRest() async {
        let fake = FakeLookup(delayMicros: 20_000)
        let pool = fake.pool(maxThreads: 3)
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<24 {
                group.addTask {
                    let r = await Resolver.resolve("host\(i).example", deadline: deadline(.seconds(10)), pool: pool)
                    return (try? r.get()) != nil
                }
            }
            var ok = 0
            for await good in group where good { ok += 1 }
            return ok
        }
        #expect(results == 24)
        #expect(fake.calls == 24)
        #expect(fake.peak <= 3)
        #expect(pool.peakThreads <= 3)
    }

    @Test func cancellationEndsAPendingLookup() async throws {
        let fake = FakeLookup(delayMicros: 30_000_000)  // the cancel must win however loaded the machine is
        let pool = fake.pool()
        let task = Task { await Resolver.resolve("slow.example", deadline: deadline(.seconds(30)), pool: pool) }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let r = await task.value
        #expect(r == .failure(.cancelled))
    }
}
