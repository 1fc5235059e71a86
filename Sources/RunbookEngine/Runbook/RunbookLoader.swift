import Foundation
import LuaKit

/// A runbook file loaded into its own Lua state, ready to list, validate or run.
final class LoadedRunbook {
    let lua: LuaState
    let context: RunContext
    let environment: ModuleInstaller.Installed
    let runbook: Runbook
    let table: LuaReference

    init(lua: LuaState, context: RunContext, environment: ModuleInstaller.Installed, runbook: Runbook, table: LuaReference) {
        self.lua = lua
        self.context = context
        self.environment = environment
        self.runbook = runbook
        self.table = table
    }
}

/// Loads runbook files. Loading runs the file's top level with every primitive refused,
/// so it has no side effects whatever the file says.
enum RunbookLoader {
    /// Limits for loading alone: a file's top level should take microseconds.
    static let loadLimits = LuaLimits(memoryBytes: 32 << 20, instructions: 50_000_000, timeout: .seconds(10))

    /// Loads `file` into a new state, or into `state` when given: listing reuses one
    /// state for many files, each in its own environment.
    static func load(
        file: String, context: RunContext, installer: ModuleInstaller, state: LuaState? = nil
    ) throws -> LoadedRunbook {
        guard let data = FileManager.default.contents(atPath: file) else {
            let exists = FileManager.default.fileExists(atPath: file)
            throw RunbookError(.notFound, exists ? "cannot read \(file)" : "no runbook file at \(file)")
        }
        let source = String(decoding: data, as: UTF8.self)
        let sha256 = SHA256.hex(data)
        let lua = try state ?? LuaState(limits: loadLimits, cancellation: LuaCancellation())
        lua.applyLimits(loadLimits)
        let environment = try installer.install(in: lua, context: context)
        let chunk: LuaReference
        do {
            chunk = try lua.load(source, chunkname: "@\(file)", environment: environment.env)
        } catch let error as LuaError {
            throw RunbookError(.invalid, "syntax error: \(error.message)", hint: "fix the Lua syntax at the line shown")
        }
        let results: [LuaReference]
        do {
            results = try lua.call(chunk)
        } catch let error as LuaError {
            // An error raised by Lua itself (memory, a limit) has no position: name the file.
            var message = error.message.hasPrefix(file) ? error.message : "\(file): \(error.message)"
            if lua.stopReason == .memory || error.message == "not enough memory" {
                message += " (loading may use \(loadLimits.memoryBytes >> 20) MiB)"
            }
            throw RunbookError(.invalid, message, hint: "the file's top level failed while loading; it must only build and return the runbook table")
        }
        guard let table = results.first else {
            throw RunbookError(.invalid, "\(file): the file returns nothing; end it with `return runbook { ... }`")
        }
        let metadata = try lua.value(of: table, conversion: .describe)
        let runIsFunction = lua.field("run", of: table).map { reference in
            defer { lua.release(reference) }
            return lua.typeName(of: reference) == "function"
        } ?? false
        let validator = RunbookValidator(location: context.definitionLocation ?? file, file: file, sha256: sha256)
        let runbook = try validator.validate(metadata, runIsFunction: runIsFunction)
        return LoadedRunbook(lua: lua, context: context, environment: environment, runbook: runbook, table: table)
    }
}
