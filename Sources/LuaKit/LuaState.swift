internal import CLua
internal import CLuaShim
import Synchronization

/// Stops a run from any thread: the next limits check ends it with ``LuaStopReason/cancelled``,
/// and a scheduler waiting on I/O wakes at once.
public final class LuaCancellation: @unchecked Sendable {
    // Written from any thread, read by the Lua hook through the C atomics in CLuaShim.
    let flag: UnsafeMutablePointer<Int32>
    private let wakers = Mutex<[@Sendable () -> Void]>([])

    /// A cancellation that has not fired.
    public init() {
        flag = .allocate(capacity: 1)
        flag.initialize(to: 0)
    }

    deinit { flag.deallocate() }

    /// Asks the run to stop. Safe to call more than once and from any thread.
    public func cancel() {
        cluashim_flag_raise(flag)
        for wake in wakers.withLock({ $0 }) { wake() }
    }

    /// True once ``cancel()`` was called.
    public var isCancelled: Bool { cluashim_flag_get(flag) != 0 }

    /// Calls `wake` (on the cancelling thread) when ``cancel()`` is called.
    public func onCancel(_ wake: @escaping @Sendable () -> Void) {
        wakers.withLock { $0.append(wake) }
    }
}

/// A value kept alive in the Lua registry so Swift can refer to it later.
public struct LuaReference: Sendable, Hashable {
    let ref: Int32
}

/// One Lua 5.4 state with its limits: memory cap, instruction budget, deadline and cancel flag.
///
/// A state belongs to one task at a time; it is not thread-safe and not `Sendable`.
/// Swift never calls a Lua function that may raise: values are read raw, chunks run
/// under `lua_pcall`, and host functions report errors to a C trampoline that raises
/// after Swift has returned.
///
/// ```swift
/// let lua = try LuaState(limits: LuaLimits(memoryBytes: 16 << 20))
/// let env = try lua.makeSandbox()
/// let chunk = try lua.load("return 6 * 7", chunkname: "=answer", environment: env)
/// let answer = try lua.call(chunk)            // [.integer(42)]
/// ```
public final class LuaState {
    let L: OpaquePointer
    let run: UnsafeMutablePointer<cluashim_run>
    /// The limits this state was created with.
    public let limits: LuaLimits
    /// Cancels the run from any thread.
    public let cancellation: LuaCancellation
    /// The scheduler driving this state's tasks, once one was made for it.
    public internal(set) weak var scheduler: LuaScheduler?
    /// Engine chunks compiled once, by chunk name.
    var trustedChunks: [String: LuaReference] = [:]

    /// A state with the given limits; its wall-clock deadline starts now.
    ///
    /// - Throws: ``LuaError`` when Lua cannot allocate its state.
    public init(limits: LuaLimits = LuaLimits(), cancellation: LuaCancellation = LuaCancellation()) throws {
        LuaHostFunction.installDispatch
        self.limits = limits
        self.cancellation = cancellation
        run = .allocate(capacity: 1)
        run.initialize(to: cluashim_run())
        run.pointee.limit = limits.memoryBytes > 0 ? limits.memoryBytes : 0
        run.pointee.budget = max(0, limits.instructions)
        run.pointee.hook_interval = max(1, limits.checkInterval)
        run.pointee.cancel = UnsafePointer(cancellation.flag)
        if let timeout = limits.timeout { run.pointee.deadline = cluashim_monotonic() + timeout.seconds }
        guard let state = cluashim_newstate(run) else {
            run.deallocate()
            throw LuaError(.runtime, "cannot allocate a Lua state")
        }
        L = state
        run.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        run.pointee.relaxed = 1
        defer { run.pointee.relaxed = 0 }
        cluashim_pushcfunction(L, cluashim_open_libraries)
        let status = cluashim_pcall_traceback(L, 0, 0)
        guard status == LUA_OK else {
            let message = popMessage(L)
            cluashim_close(L)
            run.deallocate()
            throw LuaError(.runtime, "cannot open the Lua libraries: \(message)")
        }
        cluashim_install_hook(L)
    }

    deinit {
        cluashim_close(L)
        run.deallocate()
    }

    /// Replaces the limits from now on: the deadline restarts now and the instruction
    /// budget counts from the instructions executed so far. Used once a runbook's own
    /// limits are known, after its file is loaded.
    public func applyLimits(_ limits: LuaLimits) {
        run.pointee.limit = max(0, limits.memoryBytes)
        run.pointee.budget = limits.instructions > 0 ? run.pointee.executed + limits.instructions : 0
        run.pointee.deadline = limits.timeout.map { cluashim_monotonic() + $0.seconds } ?? 0
    }

    /// Bytes Lua holds now.
    public var memoryInUse: Int { run.pointee.used }
    /// The most bytes Lua held at once.
    public var peakMemory: Int { run.pointee.peak }
    /// VM instructions executed so far, to the granularity of ``LuaLimits/checkInterval``.
    public var instructionsExecuted: Int64 { run.pointee.executed }

    /// The limit that stopped the run, if one did.
    public var stopReason: LuaStopReason? { LuaStopReason(trip: run.pointee.tripped) }

    /// Stops the run for `reason`: from now on every Lua instruction raises.
    ///
    /// - Parameter message: what the run's outcome says, when the task that stopped it is
    ///   not the one whose error ends the run.
    public func stop(_ reason: LuaStopReason, message: String? = nil) {
        guard run.pointee.tripped == 0 else { return }
        run.pointee.tripped = reason.trip
        stopMessage = message
    }

    /// What ``stop(_:message:)`` was told, for the run's outcome.
    private(set) var stopMessage: String?

    /// Bytes Lua may still allocate before the memory limit; nil without a limit.
    public var memoryAvailable: Int? {
        run.pointee.limit > 0 ? max(0, run.pointee.limit - run.pointee.used) : nil
    }

    /// The memory limit in bytes; 0 for none.
    public var memoryLimit: Int { run.pointee.limit }

    /// Holds values Swift is about to push against what the memory limit leaves free: values
    /// are pushed with the cap lifted, which would let any answer through. Nil when they fit;
    /// else why not, for the caller to stop the run with.
    func admit(_ values: [LuaValue]) -> LuaAnswerTooLarge? {
        guard let available = memoryAvailable else { return nil }
        let needed = values.reduce(0) { $0 + $1.estimatedLuaBytes }
        guard needed > available else { return nil }
        return LuaAnswerTooLarge("the answer (about \(describeBytes(needed)))", available: available)
    }

    /// The deadline on the monotonic clock, if the run has one.
    var deadline: Double? { run.pointee.deadline > 0 ? run.pointee.deadline : nil }

    /// Runs `body` with the memory cap lifted, so Lua API calls that only allocate cannot
    /// raise into Swift. The cap is back in force when Lua code runs again.
    func relaxed<T>(_ body: () throws -> T) rethrows -> T {
        run.pointee.relaxed += 1
        defer { run.pointee.relaxed -= 1 }
        return try body()
    }

    // MARK: References

    /// Keeps `value` in the registry and returns a reference to it.
    public func reference(to value: LuaValue) throws -> LuaReference {
        try relaxed {
            try push(value, on: L)
            return LuaReference(ref: luaL_ref(L, cluashim_registryindex()))
        }
    }

    /// A new empty table, kept in the registry.
    public func newTable() -> LuaReference {
        relaxed {
            cluashim_newtable(L)
            return LuaReference(ref: luaL_ref(L, cluashim_registryindex()))
        }
    }

    /// Lets Lua collect what `reference` kept alive.
    public func release(_ reference: LuaReference) {
        relaxed { luaL_unref(L, cluashim_registryindex(), reference.ref) }
    }

    func pushReference(_ reference: LuaReference, on thread: OpaquePointer) {
        lua_rawgeti(thread, cluashim_registryindex(), lua_Integer(reference.ref))
    }

    /// The Lua type name of the referenced value ("table", "function", ...).
    public func typeName(of reference: LuaReference) -> String {
        pushReference(reference, on: L)
        defer { cluashim_pop(L, 1) }
        return String(cString: lua_typename(L, lua_type(L, -1)))
    }

    /// The referenced value copied into Swift.
    ///
    /// - Parameter conversion: `.strict` throws on functions, userdata and threads;
    ///   `.describe` renders them as strings such as `"<function>"`.
    public func value(of reference: LuaReference, conversion: LuaConversion = .strict) throws -> LuaValue {
        try relaxed {
            pushReference(reference, on: L)
            defer { cluashim_pop(L, 1) }
            return try value(at: -1, on: L, conversion: conversion)
        }
    }

    /// A reference to `table[key]`, read without metamethods; nil when the field is nil
    /// or the referenced value is not a table.
    public func field(_ key: String, of table: LuaReference) -> LuaReference? {
        relaxed {
            pushReference(table, on: L)
            defer { cluashim_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TTABLE else { return nil }
            lua_pushstring(L, key)
            guard lua_rawget(L, -2) != LUA_TNIL else {
                cluashim_pop(L, 1)
                return nil
            }
            return LuaReference(ref: luaL_ref(L, cluashim_registryindex()))
        }
    }

    /// The string keys of a table and the Lua type of each value, read without metamethods:
    /// what a generated API reference lists. Empty when the reference is not a table.
    public func members(of table: LuaReference) -> [(name: String, type: String)] {
        relaxed {
            pushReference(table, on: L)
            defer { cluashim_pop(L, 1) }
            guard lua_type(L, -1) == LUA_TTABLE else { return [] }
            var members: [(name: String, type: String)] = []
            lua_pushnil(L)
            // lua_next raises only for a key that is not in the table; the loop hands back the
            // key it was given, untouched, so it cannot.
            while lua_next(L, -2) != 0 {
                if lua_type(L, -2) == LUA_TSTRING, let key = lua_tolstring(L, -2, nil) {
                    members.append((String(cString: key), String(cString: lua_typename(L, lua_type(L, -1)))))
                }
                cluashim_pop(L, 1)
            }
            return members.sorted { $0.name < $1.name }
        }
    }

    /// Sets `table[key] = value` without metamethods.
    public func set(_ key: String, _ value: LuaValue, in table: LuaReference) throws {
        try relaxed {
            pushReference(table, on: L)
            defer { cluashim_pop(L, 1) }
            lua_pushstring(L, key)
            try push(value, on: L)
            lua_rawset(L, -3)
        }
    }

    /// Sets `table[key]` to the referenced value without metamethods.
    public func set(_ key: String, _ reference: LuaReference, in table: LuaReference) {
        relaxed {
            pushReference(table, on: L)
            lua_pushstring(L, key)
            pushReference(reference, on: L)
            lua_rawset(L, -3)
            cluashim_pop(L, 1)
        }
    }

    /// Sets `table[key]` to a Swift function callable from Lua.
    public func set(_ key: String, _ function: LuaHostFunction, in table: LuaReference) {
        relaxed {
            pushReference(table, on: L)
            lua_pushstring(L, key)
            function.push(on: L)
            lua_rawset(L, -3)
            cluashim_pop(L, 1)
        }
    }

    // MARK: Loading and calling

    /// Compiles `source` as text (binary chunks are refused) with `environment` as its `_ENV`.
    ///
    /// - Parameter chunkname: `@path` for files, so errors read `path:line:`.
    /// - Throws: ``LuaError`` of kind `.syntax` with the position of the error.
    public func load(_ source: String, chunkname: String, environment: LuaReference) throws -> LuaReference {
        try relaxed {
            pushReference(environment, on: L)
            var text = source
            let status = text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    cluashim_load_text(L, $0.baseAddress, $0.count, chunkname)
                }
            }
            guard status == LUA_OK else {
                throw LuaError(status == LUA_ERRMEM ? .stopped(.memory) : .syntax, popMessage(L))
            }
            return LuaReference(ref: luaL_ref(L, cluashim_registryindex()))
        }
    }

    /// Calls a function to completion on the main thread, where it may not suspend.
    /// Lua code runs under the limits; the results come back as references.
    ///
    /// - Throws: ``LuaError``: `.runtime` with a traceback, or `.stopped` when a limit ended it.
    public func call(_ function: LuaReference, arguments: [LuaReference] = []) throws -> [LuaReference] {
        let base = lua_gettop(L)
        relaxed {
            pushReference(function, on: L)
            for argument in arguments { pushReference(argument, on: L) }
        }
        let status = cluashim_pcall_traceback(L, Int32(arguments.count), LUA_MULTRET)
        return try relaxed {
            guard status == LUA_OK else {
                let (message, traceback) = splitTraceback(popMessage(L))
                if status == LUA_ERRMEM { stop(.memory) }
                if let reason = stopReason { throw LuaError(.stopped(reason), message, traceback: traceback) }
                throw LuaError(.runtime, message, traceback: traceback)
            }
            var results: [LuaReference] = []
            for _ in base..<lua_gettop(L) {
                results.append(LuaReference(ref: luaL_ref(L, cluashim_registryindex())))
            }
            return results.reversed()
        }
    }

    /// Calls a function and copies its results into Swift.
    public func callForValues(_ function: LuaReference, arguments: [LuaReference] = []) throws -> [LuaValue] {
        let references = try call(function, arguments: arguments)
        defer { references.forEach(release) }
        return try references.map { try value(of: $0) }
    }
}

/// How values that cannot cross into Swift (functions, userdata, threads) are treated.
public enum LuaConversion: Sendable {
    /// Converting one throws.
    case strict
    /// Each becomes a string such as `"<function>"`.
    case describe
    /// As `strict`, but a secret (see ``LuaSecret``) gives its value instead of the mask: for
    /// the arguments of calls that send a secret where it belongs.
    case revealingSecrets
}

/// Secret values in Lua: a table whose hidden metatable holds the value under
/// ``LuaSecret/valueKey``. Lua code gets the value only by asking (`secret:reveal()`); every
/// conversion to Swift gives ``LuaSecret/mask`` unless it is ``LuaConversion/revealingSecrets``.
public enum LuaSecret {
    /// What a secret shows instead of its value.
    public static let mask = "<redacted>"
    /// The metatable field that holds a secret's value.
    public static let valueKey = "__secret"
}

/// Pops the error value on the top of the stack as text, using `__tostring` under pcall.
func popMessage(_ L: OpaquePointer) -> String {
    defer { cluashim_pop(L, 1) }
    var length = 0
    if let text = cluashim_tostring(L, -1, &length) {
        let message = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
        cluashim_pop(L, 1)
        return message
    }
    return "(error object is a \(String(cString: lua_typename(L, lua_type(L, -1)))) value)"
}

/// Splits "message\nstack traceback:\n..." into its two parts.
func splitTraceback(_ text: String) -> (String, String?) {
    guard let range = text.firstRange(of: "\nstack traceback:\n") else { return (text, nil) }
    return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
}
