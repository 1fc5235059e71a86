internal import CLua
internal import CLuaShim

/// What sandboxed code can reach: everything else in Lua's standard library is left out.
///
/// Each runbook runs in its own state, so what a runbook changes in these tables
/// (`string.upper = ...`) affects only itself.
public enum SandboxPolicy {
    /// Base functions copied as they are.
    public static let baseFunctions = [
        "assert", "error", "getmetatable", "ipairs", "next", "pairs", "rawequal", "rawget", "rawlen",
        "rawset", "select", "tonumber", "tostring", "type", "_VERSION",
    ]
    /// Base functions replaced by guarded versions (see ``prelude``).
    public static let guardedFunctions = ["pcall", "xpcall", "load", "setmetatable", "collectgarbage", "coroutine"]
    /// Libraries copied whole (string without `dump`, which Lua cannot check).
    public static let libraries = ["string", "table", "math", "utf8"]
    /// The only `os` functions: clocks and dates.
    public static let osFunctions = ["time", "clock", "date", "difftime"]
    /// Left out on purpose, with the reason. Tests check that each is unreachable.
    public static let denied: [(name: String, reason: String)] = [
        ("dofile", "reads files"),
        ("loadfile", "reads files"),
        ("require", "loads files and native code"),
        ("package", "package.loadlib loads native code; searchers read files"),
        ("io", "files and processes (io.popen)"),
        ("debug", "reads and changes locals, upvalues, the registry and the limits hook"),
        ("os.execute", "runs processes"),
        ("os.getenv", "the environment holds credentials"),
        ("os.exit", "would kill the engine and every run in it"),
        ("os.remove", "changes the file system"),
        ("os.rename", "changes the file system"),
        ("os.tmpname", "creates files"),
        ("os.setlocale", "changes process-wide state"),
        ("string.dump", "binary chunks are not checked and can crash the VM"),
        ("print", "writes to the engine's own output; the host supplies a logging print"),
        ("warn", "writes to the engine's stderr"),
    ]

    /// Guards over the raw functions, run once per sandbox with its own empty `_ENV`,
    /// so nothing a runbook later assigns can change what these functions call.
    static let prelude = #"""
    local env, G, check, cocreate, is_task = ...
    local error, type, rawget, select = G.error, G.type, G.rawget, G.select
    local rawpcall, rawload = G.pcall, G.load
    local rawsetmetatable, rawcollect = G.setmetatable, G.collectgarbage
    local co = G.coroutine
    local resume, yield, close = co.resume, co.yield, co.close

    env._G = env
    -- A run stopped by a limit, or a step past its timeout, cannot be caught:
    -- check re-raises those errors and passes every other result through.
    env.pcall = function(f, ...) return check(rawpcall(f, ...)) end
    -- The handler runs after the stack unwinds, not as Lua's message handler: Lua runs
    -- message handlers with hooks off once a hook has raised, so a looping handler
    -- would escape the limits. Without the debug library nothing is lost.
    local function handled(handler, ok, ...)
      if ok then return true, ... end
      check(false, (...))
      return false, handler((...))
    end
    env.xpcall = function(f, handler, ...) return handled(handler, rawpcall(f, ...)) end
    env.load = function(chunk, name, mode, chunkenv)
      if mode ~= nil and mode ~= "t" then error("load: only text chunks may be loaded", 2) end
      -- Names starting with '=' mark engine code, which step timeouts do not interrupt.
      if type(name) == "string" and (name:sub(1, 1) == "=" or name:sub(1, 1) == "@") then name = name:sub(2) end
      return rawload(chunk, name, "t", chunkenv or env)
    end
    env.setmetatable = function(t, mt)
      if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
        error("setmetatable: __gc finalizers are not allowed", 2)
      end
      return rawsetmetatable(t, mt)
    end
    env.collectgarbage = function(option)
      if option == "count" then return rawcollect("count") end
      error("collectgarbage: only collectgarbage(\"count\") is allowed", 2)
    end

    local function own(c, name)
      if is_task(c) then error("coroutine." .. name .. ": not a coroutine made with coroutine.create", 3) end
      return c
    end
    local function unwrap(ok, ...)
      if ok then return ... end
      error((...), 0)
    end
    env.coroutine = {
      create = cocreate,
      resume = function(c, ...) return check(resume(own(c, "resume"), ...)) end,
      wrap = function(f)
        local c = cocreate(f)
        return function(...) return unwrap(check(resume(c, ...))) end
      end,
      yield = function(...)
        if is_task() then
          error("coroutine.yield: only inside a coroutine made with coroutine.create or coroutine.wrap", 2)
        end
        return yield(...)
      end,
      close = function(c) return close(own(c, "close")) end,
      status = co.status, running = co.running, isyieldable = co.isyieldable,
    }
    """#
}

extension LuaState {
    /// The real global table, with every library the state opened. Only trusted
    /// engine code may see it; runbooks get a ``makeSandbox()`` table instead.
    public var globals: LuaReference {
        relaxed {
            lua_rawgeti(L, cluashim_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
            return LuaReference(ref: luaL_ref(L, cluashim_registryindex()))
        }
    }

    /// A fresh environment built from ``SandboxPolicy``: the table a runbook's chunk
    /// gets as `_ENV`.
    public func makeSandbox() throws -> LuaReference {
        let env = newTable()
        let G = globals
        defer { release(G) }
        relaxed {
            pushReference(env, on: L)
            pushReference(G, on: L)
            for name in SandboxPolicy.baseFunctions { copyField(name, from: -1, to: -2) }
            for name in SandboxPolicy.libraries {
                lua_pushstring(L, name)
                lua_pushstring(L, name)
                lua_rawget(L, -3)
                shallowCopyTop()
                lua_rawset(L, -4)
            }
            lua_pushstring(L, "os")
            cluashim_newtable(L)
            lua_pushstring(L, "os")
            lua_rawget(L, -4)
            for name in SandboxPolicy.osFunctions { copyField(name, from: -1, to: -2) }
            cluashim_pop(L, 1)
            lua_rawset(L, -4)
            cluashim_pop(L, 2)
        }
        let helpers = [cluashim_lua_check_abort, cluashim_lua_cocreate, cluashim_lua_is_task].map(reference(to:))
        defer { helpers.forEach(release) }
        // shim.c knows the guards by this name (SANDBOX_CHUNK): they pass calls through.
        _ = try runTrusted(SandboxPolicy.prelude, name: "=[sandbox]", arguments: [env, G] + helpers)
        return env
    }

    /// Loads and runs engine code with its own empty `_ENV` and the given arguments.
    /// Chunk names start with `=` so error positions skip engine frames.
    /// The chunk is compiled once per state and kept, so a state that builds many
    /// environments (listing a folder of runbooks) parses each prelude once.
    public func runTrusted(_ source: String, name: String, arguments: [LuaReference]) throws -> [LuaReference] {
        let chunk: LuaReference
        if let cached = trustedChunks[name] {
            chunk = cached
        } else {
            let scratch = newTable()
            defer { release(scratch) }
            chunk = try load(source, chunkname: name, environment: scratch)
            trustedChunks[name] = chunk
        }
        return try call(chunk, arguments: arguments)
    }

    /// A table of the sandbox's C helpers for trusted preludes: `check(ok, ...)` passes
    /// results through but re-raises a run-wide stop or a step timeout.
    public func sandboxHelpers() -> LuaReference {
        let table = newTable()
        let functions: [(String, lua_CFunction)] = [("check", cluashim_lua_check_abort), ("is_task", cluashim_lua_is_task)]
        for (name, function) in functions {
            let reference = reference(to: function)
            set(name, reference, in: table)
            release(reference)
        }
        return table
    }

    func reference(to function: lua_CFunction) -> LuaReference {
        relaxed {
            cluashim_pushcfunction(L, function)
            return LuaReference(ref: luaL_ref(L, cluashim_registryindex()))
        }
    }

    /// table(to)[name] = table(from)[name], both raw, indices relative to the top.
    private func copyField(_ name: String, from source: Int32, to target: Int32) {
        let source = lua_absindex(L, source)
        let target = lua_absindex(L, target)
        lua_pushstring(L, name)
        lua_pushstring(L, name)
        lua_rawget(L, source)
        lua_rawset(L, target)
    }

    /// Replaces the table on the top of the stack with a shallow copy of it.
    private func shallowCopyTop() {
        let source = lua_gettop(L)
        cluashim_newtable(L)
        lua_pushnil(L)
        while lua_next(L, source) != 0 {
            lua_pushvalue(L, -2)
            cluashim_insert(L, -2)
            lua_rawset(L, -4)
        }
        cluashim_remove(L, source)
    }
}

extension LuaState {
    /// Sets `table[key]` to a C function Lua calls directly, without the bridge. Only for
    /// the bridge benchmark's peer: C that raises is fine, Swift behind it is not.
    @_spi(Benchmark)
    public func set(_ key: String, cFunction: @escaping @convention(c) (OpaquePointer?) -> Int32, in table: LuaReference) {
        let reference = reference(to: cFunction)
        set(key, reference, in: table)
        release(reference)
    }
}
