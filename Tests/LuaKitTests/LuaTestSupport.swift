import LuaKit

/// A sandboxed state with a scheduler, for running snippets as a task.
struct LuaHarness {
    let lua: LuaState
    let env: LuaReference
    let scheduler: LuaScheduler

    init(limits: LuaLimits = LuaLimits(), functions: [LuaHostFunction] = []) throws {
        lua = try LuaState(limits: limits)
        env = try lua.makeSandbox()
        scheduler = LuaScheduler(state: lua)
        for function in functions { lua.set(function.name, function, in: env) }
    }

    /// Runs `source` as a task to completion.
    func run(_ source: String) async throws -> LuaTaskOutcome {
        let chunk = try lua.load(source, chunkname: "@snippet.lua", environment: env)
        let main = try scheduler.spawn(chunk, arguments: [])
        return await scheduler.run(until: main)
    }
}

/// Counts live instances, to prove no Swift object leaks when Lua raises.
final class Canary {
    nonisolated(unsafe) static var live = 0
    init() { Canary.live += 1 }
    deinit { Canary.live -= 1 }
}
