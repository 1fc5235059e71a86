import LuaKit

/// Builds a runbook's `_ENV`: the sandbox, the runbook API and the primitive modules.
struct RunbookEnvironment {
    let env: LuaReference
    /// The prelude's function that installs the read-only `run` table.
    let installRun: LuaReference

    static func install(in lua: LuaState, context: RunContext, modules: [PrimitiveModule]) throws -> RunbookEnvironment {
        let env = try lua.makeSandbox()
        for function in StepBindings.globals(context) { lua.set(function.name, function, in: env) }
        try installTable("log", StepBindings.log(context), in: env, lua: lua)
        try installTable("json", JSONBindings.functions(), in: env, lua: lua)
        try installTable("metrics", MetricsBindings.metrics(), in: env, lua: lua)
        try installTable("msk", MetricsBindings.msk(), in: env, lua: lua)
        let G = lua.globals
        defer { lua.release(G) }
        for module in modules {
            // A module may add primitives to a table of plain functions (metrics.scrape
            // beside metrics.parse).
            let table = lua.field(module.name, of: env) ?? lua.newTable()
            defer { lua.release(table) }
            for primitive in module.primitives {
                lua.set(primitive.name, PrimitiveBindings.function(for: primitive, in: module.name, context: context), in: table)
            }
            lua.set(module.name, table, in: env)
            if let helpers = module.helpers {
                _ = try lua.runTrusted(helpers, name: "=[\(module.name)]", arguments: [table, env, G])
            }
        }
        let host = lua.newTable()
        let helpers = lua.sandboxHelpers()
        defer { [host, helpers].forEach(lua.release) }
        for function in StepBindings.internals(context) { lua.set(function.name, function, in: host) }
        let results = try lua.runTrusted(RunbookPrelude.source, name: "=[runbook]", arguments: [env, G, host, helpers])
        guard let installRun = results.first else { throw LuaError(.runtime, "the runbook prelude returned nothing") }
        results.dropFirst().forEach(lua.release)
        return RunbookEnvironment(env: env, installRun: installRun)
    }

    private static func installTable(_ name: String, _ functions: [LuaHostFunction], in env: LuaReference, lua: LuaState) throws {
        let table = lua.newTable()
        defer { lua.release(table) }
        for function in functions {
            // Named `json.decode` for errors, set as `decode` in the `json` table.
            lua.set(String(function.name.split(separator: ".").last ?? ""), function, in: table)
        }
        lua.set(name, table, in: env)
    }
}
