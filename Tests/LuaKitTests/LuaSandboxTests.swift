import LuaKit
import Testing

struct LuaSandboxTests {
    /// Each escape from research/embedding-lua.md §3.9, as a runbook would try it.
    static let escapes: [(name: String, source: String)] = [
        ("os.execute", "return os.execute('true')"),
        ("os.getenv", "return os.getenv('HOME')"),
        ("os.exit", "return os.exit(1)"),
        ("os.remove", "return os.remove('/tmp/x')"),
        ("io.popen", "return io.popen('id')"),
        ("io.open", "return io.open('/etc/passwd')"),
        ("dofile", "return dofile('/etc/passwd')"),
        ("loadfile", "return loadfile('/etc/passwd')"),
        ("require", "return require('os')"),
        ("package.loadlib", "return package.loadlib('libc.so.6', 'system')"),
        ("debug.getregistry", "return debug.getregistry()"),
        ("debug.sethook", "return debug.sethook()"),
        ("string.dump", "return string.dump(function() end)"),
        ("(\"\").dump", "return ('').dump(function() end)"),
        ("load of a binary chunk", "return load('\\27Lua\\84\\0')"),
        ("load with mode b", "return load('return 1', 'x', 'b')"),
        ("getmetatable(\"\").__index", "return getmetatable('').__index"),
        ("setmetatable on strings", "return setmetatable('', {})"),
        ("collectgarbage stop", "return collectgarbage('stop')"),
        ("collectgarbage collect", "return collectgarbage()"),
        ("__gc finalizer", "return setmetatable({}, {__gc = function() end})"),
        ("_G reaches the real globals", "return _G.io.open('/etc/passwd')"),
        ("load escapes to the globals", "return load('return io')()"),
        ("print", "return print('hi')"),
        ("warn", "return warn('hi')"),
    ]

    @Test(arguments: escapes.map(\.name))
    func escapeIsRefused(_ name: String) async throws {
        let source = Self.escapes.first { $0.name == name }!.source
        let harness = try LuaHarness()
        let outcome = try await harness.run(source)
        // Refused means: an error, or nil or false where the capability would be.
        if outcome.error == nil {
            #expect(!(outcome.values.first ?? .nil).isTruthy, "\(name) returned \(outcome.values)")
        }
    }

    @Test func deniedNamesAreAbsent() async throws {
        let harness = try LuaHarness()
        for (name, _) in SandboxPolicy.denied {
            let path = name.split(separator: ".").joined(separator: "\"][\"")
            let outcome = try await harness.run("local ok, v = pcall(function() return _ENV[\"\(path)\"] end) return v")
            #expect(outcome.values == [.nil] || outcome.values.isEmpty, "\(name) is reachable")
        }
    }

    @Test func stringMetatableIsLocked() async throws {
        let harness = try LuaHarness()
        let outcome = try await harness.run("return getmetatable('x'), ('abc'):upper()")
        #expect(outcome.values == [false, "ABC"])
    }

    @Test func allowedLibrariesWork() async throws {
        let harness = try LuaHarness()
        let outcome = try await harness.run("""
            local t = {3, 1, 2}
            table.sort(t)
            local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
            return table.concat(t, ","), math.max(1, 5), utf8.char(72, 105), os.time() > 0,
                   type(os.clock()), co(1), co(21), collectgarbage("count") > 0, load("return 7")()
            """)
        #expect(outcome.error == nil)
        #expect(outcome.values == ["1,2,3", 5, "Hi", true, "number", 2, 42, true, 7])
    }

    @Test func runbookCannotYieldTheSchedulerTask() async throws {
        let harness = try LuaHarness()
        let outcome = try await harness.run("coroutine.yield(1)")
        #expect(outcome.error?.message.contains("coroutine.yield: only inside a coroutine") == true)
    }
}
