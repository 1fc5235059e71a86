internal import CLua
internal import CLuaShim

/// What a host function asks of the calling coroutine: return values now, or wait.
public enum LuaReturn {
    /// Return these values to Lua now.
    case values([LuaValue])
    /// Suspend the calling task until the suspension completes; Lua sees its results.
    case suspend(LuaSuspension)
    /// Return the call's own arguments unchanged (tables and functions included).
    case arguments

    /// Return nothing.
    public static var none: LuaReturn { .values([]) }
}

/// Work a task waits for while other tasks run.
public enum LuaSuspension: Sendable {
    /// Swift async work; its values (or its error, raised in Lua) resume the task.
    case work(@Sendable () async throws -> [LuaValue])
    /// Wait until every listed task has finished; resumes with one entry per task,
    /// `{true, results...}` or `{false, error}`.
    case join([LuaTaskID])
}

/// A Swift function callable from Lua.
///
/// The body validates its arguments and throws; it never raises a Lua error itself.
/// A thrown error reaches Lua as `name: message`, positioned at the runbook line that
/// made the call, raised by the C trampoline after the Swift frames are gone.
///
/// ```swift
/// let double = LuaHostFunction("double") { call in
///     let n = try call.number(1, "n")
///     return .values([.number(n * 2)])
/// }
/// lua.set("double", double, in: env)
/// ```
public final class LuaHostFunction {
    /// The name errors are prefixed with, as Lua code knows it (`kafka.describe_cluster`).
    public let name: String
    let body: (LuaCall) throws -> LuaReturn

    /// A function named `name` that runs `body`.
    public init(_ name: String, _ body: @escaping (LuaCall) throws -> LuaReturn) {
        self.name = name
        self.body = body
    }

    func push(on L: OpaquePointer) {
        cluashim_push_host_function(L, Unmanaged.passRetained(self).toOpaque())
    }

    @inline(__always)
    func invoke(_ L: OpaquePointer) -> Int32 {
        let call = LuaCall(thread: L)
        do {
            switch try body(call) {
            case .values(let values):
                if values.isEmpty { return 0 }
                if let refusal = call.state.admit(values) { throw refusal }
                guard lua_checkstack(L, Int32(clamping: values.count + 2)) != 0 else {
                    throw LuaHostError("too many results")
                }
                for value in values { try call.state.push(value, on: L) }
                return Int32(values.count)
            case .arguments:
                return lua_gettop(L)
            case .suspend(let suspension):
                guard let scheduler = call.state.scheduler else {
                    throw LuaHostError("cannot wait here: no scheduler runs this state")
                }
                try scheduler.suspend(thread: L, for: named(suspension), by: name)
                return CLUASHIM_SUSPEND
            }
        } catch {
            lua_settop(L, 0)
            if error is LuaAnswerTooLarge { call.state.stop(.memory, message: "\(name): \(error)") }
            let message = "\(name): \(error)"
            lua_pushstring(L, message)
            return CLUASHIM_RAISE
        }
    }

    /// The suspension with this function's name in front of any error its work throws.
    private func named(_ suspension: LuaSuspension) -> LuaSuspension {
        guard case .work(let work) = suspension else { return suspension }
        let name = self.name
        return .work {
            do {
                return try await work()
            } catch var error as LuaAnswerTooLarge {
                error.function = name
                throw error
            } catch {
                throw LuaHostError("\(name): \(error)")
            }
        }
    }

    /// Registers the Swift side of the trampoline once per process.
    static let installDispatch: Void = {
        cluashim_set_dispatch(dispatchHostFunction, releaseHostFunction)
    }()
}

private let dispatchHostFunction: cluashim_dispatch_fn = { L, box in
    // The trampoline always passes both; a null would be a bug in CLuaShim, and Lua
    // gets an error rather than the process a trap.
    guard let L, let box else { return CLUASHIM_RAISE }
    // The userdata holding the box keeps the function alive during the call, so no
    // retain and release around it: they were a third of the bridge's cost.
    return Unmanaged<LuaHostFunction>.fromOpaque(box)._withUnsafeGuaranteedRef { $0.invoke(L) }
}

private let releaseHostFunction: lua_CFunction = { L in
    if let box = cluashim_host_function_box(L, 1) {
        Unmanaged<LuaHostFunction>.fromOpaque(box).release()
    }
    return 0
}

/// The arguments of one call from Lua into a ``LuaHostFunction``.
public struct LuaCall {
    let thread: OpaquePointer

    /// The state making the call.
    public var state: LuaState {
        // Every state LuaKit makes has its cluashim_run as the allocator's userdata,
        // and the run's owner is that LuaState.
        var owner: UnsafeMutableRawPointer?
        _ = lua_getallocf(thread, &owner)
        let run = UnsafeMutableRawPointer(mutating: owner).unsafelyUnwrapped.assumingMemoryBound(to: cluashim_run.self)
        return Unmanaged<LuaState>.fromOpaque(run.pointee.owner).takeUnretainedValue()
    }

    /// How many arguments Lua passed.
    public var count: Int { Int(lua_gettop(thread)) }

    /// Argument `index` (1-based) copied into Swift.
    public func value(_ index: Int, conversion: LuaConversion = .strict) throws -> LuaValue {
        guard index >= 1, index <= count else { return .nil }
        return try state.value(at: Int32(index), on: thread, conversion: conversion)
    }

    /// The Lua type name of argument `index`, "no value" when absent.
    public func typeName(_ index: Int) -> String {
        String(cString: lua_typename(thread, lua_type(thread, Int32(index))))
    }

    /// True when argument `index` is a function.
    public func isFunction(_ index: Int) -> Bool { lua_type(thread, Int32(index)) == LUA_TFUNCTION }

    /// Argument `index` as a string, or an error naming `name`.
    public func string(_ index: Int, _ name: String) throws -> String {
        guard case .string(let s) = try value(index) else { throw badArgument(index, name, "a string") }
        return s
    }

    /// Argument `index` as a number, or an error naming `name`.
    public func number(_ index: Int, _ name: String) throws -> Double {
        guard let d = try value(index).doubleValue else { throw badArgument(index, name, "a number") }
        return d
    }

    /// Argument `index` as a table, or an empty table when absent; an error for other types.
    public func optionalTable(_ index: Int, _ name: String) throws -> LuaTable {
        switch try value(index) {
        case .nil: return LuaTable()
        case .table(let t): return t
        default: throw badArgument(index, name, "a table")
        }
    }

    /// An error for argument `index`: "bad argument #2 (timeout): expected a number, got string".
    public func badArgument(_ index: Int, _ name: String, _ expected: String) -> LuaHostError {
        LuaHostError("bad argument #\(index) (\(name)): expected \(expected), got \(typeName(index))")
    }

    /// `file:line` of the nearest runbook frame making this call, if any.
    public var location: String? {
        state.relaxed {
            cluashim_push_where(thread, 1)
            defer { cluashim_pop(thread, 1) }
            var length = 0
            guard let text = lua_tolstring(thread, -1, &length), length > 2 else { return nil }
            let whereText = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
            return String(whereText.dropLast(2))  // drop ": "
        }
    }

    /// The scheduler task making this call, nil outside a task.
    public var task: LuaTaskID? { state.scheduler?.taskID(of: thread) }
}
