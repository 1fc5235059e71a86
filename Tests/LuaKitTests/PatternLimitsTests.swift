import Foundation
import LuaKit
import Testing

/// Pattern backtracking runs in C, where the count hook never fires; the engine's
/// matcher checks the limits itself. Each bomb below would run for longer than the
/// universe has left (5000 subject bytes against 80 nested `a*`).
///
/// Serialized: each bomb spins on a thread of the shared concurrency pool until its
/// limit, and the pool has one thread a core; other suites need them too.
@Suite(.serialized)
struct PatternLimitsTests {
    static let setup = #"local s, p = string.rep("a", 5000), string.rep("a*", 80) .. "b" "#

    /// The bomb through each pattern function, and through method syntax.
    static let bombs: [(name: String, source: String)] = [
        ("string.find", setup + "return string.find(s, p)"),
        ("method find", setup + "return s:find(p)"),
        ("string.match", setup + "return string.match(s, p)"),
        ("string.gmatch", setup + "for x in string.gmatch(s, p) do end"),
        ("string.gsub", setup + "return string.gsub(s, p, '')"),
        ("gsub inside pcall", setup + "pcall(string.gsub, s, p, '') return 'survived'"),
    ]

    static func elapsed(since start: ContinuousClock.Instant) -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    @Test(arguments: bombs.map(\.name))
    func aPatternBombEndsAtTheDeadline(_ name: String) async throws {
        let bomb = Self.bombs.first { $0.name == name }!
        let start = ContinuousClock.now
        let harness = try LuaHarness(limits: LuaLimits(timeout: .milliseconds(300)))
        let outcome = try await harness.run(bomb.source)
        let seconds = Self.elapsed(since: start)
        #expect(outcome.error?.kind == .stopped(.deadline), "\(name): \(String(describing: outcome.error))")
        #expect(outcome.error?.message.contains("snippet.lua:1: run stopped: deadline passed") == true,
                "\(name): \(outcome.error?.message ?? "")")
        #expect(seconds < 0.3 + 1, "\(name) ran \(seconds) s past a 0.3 s deadline")
        // The state is stopped for good: every later instruction raises too.
        #expect(harness.lua.stopReason == .deadline)
    }

    @Test func cancellingStopsAPatternBomb() async throws {
        let harness = try LuaHarness(limits: LuaLimits(instructions: 0))
        let cancellation = harness.lua.cancellation
        // A thread of its own, as a signal handler would be: the bomb holds a pool thread.
        Thread.detachNewThread {
            usleep(50_000)
            cancellation.cancel()
        }
        let start = ContinuousClock.now
        let outcome = try await harness.run(Self.setup + "return string.gsub(s, p, 'x')")
        #expect(outcome.error?.kind == .stopped(.cancelled), "\(String(describing: outcome.error))")
        #expect(Self.elapsed(since: start) < 1.05)
    }

    @Test func aPatternTooComplexForLuaIsStillAnOrdinaryError() async throws {
        let harness = try LuaHarness()
        let outcome = try await harness.run("""
            local ok, err = pcall(string.match, string.rep("a", 300), string.rep("a?", 250))
            return ok, err
            """)
        #expect(outcome.values == [false, "pattern too complex"])
    }
}
