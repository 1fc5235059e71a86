import LuaKit
import Testing

struct LuaLimitsTests {
    static let small = LuaLimits(memoryBytes: 16 << 20, instructions: 20_000_000, timeout: .seconds(10))

    /// Each hostile snippet and the limit that must stop it.
    static let bombs: [(name: String, source: String, reasons: Set<LuaStopReason>)] = [
        ("endless loop", "while true do end", [.instructions]),
        ("endless loop in pcall", "pcall(function() while true do end end)", [.instructions]),
        ("pcall loop", "while true do pcall(function() while true do end end) end", [.instructions]),
        ("xpcall with a looping handler", "xpcall(function() error('x') end, function() while true do end end) while true do end", [.instructions]),
        ("string.rep bomb", "local s = string.rep('x', 1 << 30) return #s", [.memory]),
        ("string.rep bomb in pcall", "pcall(string.rep, 'x', 1 << 30) return 'survived'", [.memory]),
        ("concatenation bomb", "local s = 'x' while true do s = s .. s end", [.memory]),
        ("table bomb", "local t = {} for i = 1, 1e9 do t[i] = i end", [.memory]),
        ("unbounded recursion", "local function f(n) return 1 + f(n + 1) end return f(1)", [.stackOverflow, .memory]),
        ("recursion in pcall", "local function f() return 1 + f() end print = pcall(f) return 'survived'", [.stackOverflow, .memory]),
        ("coroutine bomb", "local t = {} while true do t[#t + 1] = coroutine.create(function() end) end", [.memory]),
        ("nested coroutines", "local function nest() return coroutine.wrap(function() return nest()() end) end return nest()()", [.stackOverflow]),
    ]

    @Test(arguments: bombs.map(\.name))
    func bombIsStoppedAndTheProcessGoesOn(_ name: String) async throws {
        let bomb = Self.bombs.first { $0.name == name }!
        let harness = try LuaHarness(limits: Self.small)
        let outcome = try await harness.run(bomb.source)
        guard case .stopped(let reason) = outcome.error?.kind else {
            Issue.record("\(name) was not stopped: \(String(describing: outcome.error))")
            return
        }
        #expect(bomb.reasons.contains(reason), "\(name) stopped for \(reason)")
        // The same process then runs another state correctly.
        let next = try LuaHarness(limits: Self.small)
        #expect(try await next.run("return 1 + 1").values == [2])
    }

    /// `wait()`: a task suspended on work that would take a minute.
    static func waitAMinute() -> LuaHostFunction {
        LuaHostFunction("wait") { _ in
            .suspend(.work {
                try await Task.sleep(nanoseconds: 60_000_000_000)
                return []
            })
        }
    }

    /// Cancels `harness`'s run 20 ms from now.
    static func cancelSoon(_ harness: LuaHarness) {
        let cancellation = harness.lua.cancellation
        Task {
            try await Task.sleep(nanoseconds: 20_000_000)
            cancellation.cancel()
        }
    }

    @Test func cancelStopsARunningLoop() async throws {
        let harness = try LuaHarness(limits: LuaLimits(instructions: 0))
        Self.cancelSoon(harness)
        let outcome = try await harness.run("while true do end")
        #expect(outcome.error?.kind == .stopped(.cancelled))
    }

    @Test func cancelWakesATaskWaitingOnWork() async throws {
        let harness = try LuaHarness(functions: [Self.waitAMinute()])
        Self.cancelSoon(harness)
        let outcome = try await harness.run("wait()")
        #expect(outcome.error?.kind == .stopped(.cancelled))
    }

    @Test func deadlineStopsAWaitingRun() async throws {
        let harness = try LuaHarness(limits: LuaLimits(timeout: .milliseconds(50)), functions: [Self.waitAMinute()])
        let outcome = try await harness.run("wait()")
        #expect(outcome.error?.kind == .stopped(.deadline))
    }

    @Test func memoryUseIsAccounted() throws {
        let lua = try LuaState(limits: LuaLimits(memoryBytes: 8 << 20))
        let env = try lua.makeSandbox()
        let before = lua.memoryInUse
        let chunk = try lua.load("big = string.rep('x', 1 << 20)", chunkname: "=t", environment: env)
        _ = try lua.call(chunk)
        #expect(lua.memoryInUse >= before + (1 << 20) - (64 << 10))
        #expect(lua.peakMemory >= lua.memoryInUse)
    }
}
