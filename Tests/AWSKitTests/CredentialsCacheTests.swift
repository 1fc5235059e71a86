import AWSKit
import Foundation
import Testing

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var time = Date(timeIntervalSince1970: 2_000_000_000)

    var now: Date { lock.withLock { time } }
    func advance(minutes: Double) { lock.withLock { time += minutes * 60 } }
}

/// Counts loads and hands out credentials that expire `lifetime` minutes after the clock's now.
actor TestLoader {
    let clock: ManualClock
    var lifetime: Double? = 60
    var calls = 0
    var fails = false
    var delay: Duration = .zero

    init(clock: ManualClock) { self.clock = clock }

    func setFails(_ value: Bool) { fails = value }
    func setDelay(_ value: Duration) { delay = value }

    func load() async throws(AWSError) -> ResolvedCredentials {
        calls += 1
        let call = calls
        if delay > .zero { try? await Task.sleep(for: delay) }
        if fails { throw .credentialRetrievalFailed(source: "test", reason: "refresh failed") }
        return ResolvedCredentials(
            credentials: AWSCredentials(accessKeyID: "AKID\(call)", secretAccessKey: "s"),
            expiration: lifetime.map { clock.now + $0 * 60 }, source: "test")
    }
}

struct CredentialsCacheTests {
    let clock = ManualClock()
    let loader: TestLoader
    let cache: AWSCredentialsCache

    init() {
        let (clock, loader) = (clock, TestLoader(clock: clock))
        self.loader = loader
        cache = AWSCredentialsCache(clock: { clock.now }) { () async throws(AWSError) -> ResolvedCredentials in
            try await loader.load()
        }
    }

    @Test func windowsAreBotocoresFifteenAndTenMinutes() {
        #expect(AWSCredentialsCache.advisoryRefreshWindow == 900)
        #expect(AWSCredentialsCache.mandatoryRefreshWindow == 600)
    }

    @Test func freshCredentialsAreReused() async throws {
        #expect(try await cache.credentials().accessKeyID == "AKID1")
        clock.advance(minutes: 44)  // 16 minutes left
        #expect(try await cache.credentials().accessKeyID == "AKID1")
        #expect(await loader.calls == 1)
    }

    @Test func fewerThanFifteenMinutesLeftRefreshes() async throws {
        _ = try await cache.credentials()
        clock.advance(minutes: 46)  // 14 minutes left
        #expect(try await cache.credentials().accessKeyID == "AKID2")
        #expect(await loader.calls == 2)
    }

    @Test func aFailedAdvisoryRefreshKeepsTheOldCredentials() async throws {
        _ = try await cache.credentials()
        await loader.setFails(true)
        clock.advance(minutes: 47)  // 13 minutes left
        #expect(try await cache.credentials().accessKeyID == "AKID1")
        #expect(await loader.calls == 2)
    }

    @Test func aFailedMandatoryRefreshThrows() async throws {
        _ = try await cache.credentials()
        await loader.setFails(true)
        clock.advance(minutes: 51)  // 9 minutes left
        await #expect(throws: AWSError.credentialRetrievalFailed(source: "test", reason: "refresh failed")) {
            try await cache.credentials()
        }
        await loader.setFails(false)
        #expect(try await cache.credentials().accessKeyID == "AKID3")
    }

    @Test func credentialsWithoutExpiryAreKeptForGood() async throws {
        let clock = ManualClock()
        let loader = TestLoader(clock: clock)
        await loader.setNoExpiry()
        let cache = AWSCredentialsCache(clock: { clock.now }) { () async throws(AWSError) -> ResolvedCredentials in
            try await loader.load()
        }
        _ = try await cache.credentials()
        clock.advance(minutes: 60 * 24 * 365)
        #expect(try await cache.resolved().credentials.accessKeyID == "AKID1")
        #expect(await loader.calls == 1)
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        await loader.setDelay(.milliseconds(200))
        let cache = cache
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask { try await cache.credentials().accessKeyID }
            }
            for try await key in group { #expect(key == "AKID1") }
        }
        #expect(await loader.calls == 1)
        clock.advance(minutes: 55)  // mandatory: everyone waits for the one refresh
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask { try await cache.credentials().accessKeyID }
            }
            for try await key in group { #expect(key == "AKID2") }
        }
        #expect(await loader.calls == 2)
    }
}

extension TestLoader {
    func setNoExpiry() { lifetime = nil }
}
