internal import CLua
internal import CLuaShim

/// Values pushed or read deeper than this are refused: a guard against runaway nesting.
let maximumNesting = 200

extension LuaState {
    /// Pushes `value` on `thread`'s stack. Call only with the memory cap relaxed.
    func push(_ value: LuaValue, on thread: OpaquePointer, depth: Int = 0) throws {
        guard depth < maximumNesting else {
            throw LuaError(.conversion, "value is nested more than \(maximumNesting) tables deep")
        }
        guard lua_checkstack(thread, 3) != 0 else { throw LuaError(.conversion, "Lua stack is full") }
        switch value {
        case .nil: lua_pushnil(thread)
        case .boolean(let b): lua_pushboolean(thread, b ? 1 : 0)
        case .integer(let i): lua_pushinteger(thread, lua_Integer(i))
        case .number(let d): lua_pushnumber(thread, d)
        case .string(let s):
            var s = s
            s.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(thread, $0.baseAddress, $0.count) }
            }
        case .bytes(let bytes):
            bytes.withUnsafeBytes { _ = lua_pushlstring(thread, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count) }
        case .table(let table):
            lua_createtable(thread, Int32(clamping: table.array.count), Int32(clamping: table.fields.count))
            for (offset, element) in table.array.enumerated() {
                try push(element, on: thread, depth: depth + 1)
                lua_rawseti(thread, -2, lua_Integer(offset + 1))
            }
            for (key, element) in table.fields {
                if case .nil = key { continue }
                if case .number(let d) = key, d.isNaN { continue }
                try push(key, on: thread, depth: depth + 1)
                try push(element, on: thread, depth: depth + 1)
                lua_rawset(thread, -3)
            }
        }
    }

    /// Copies the value at `index` of `thread`'s stack into Swift, without metamethods.
    func value(
        at index: Int32, on thread: OpaquePointer, conversion: LuaConversion,
        depth: Int = 0, visiting: inout Set<UnsafeRawPointer>
    ) throws -> LuaValue {
        let index = lua_absindex(thread, index)
        switch lua_type(thread, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(thread, index) != 0)
        case LUA_TNUMBER:
            if cluashim_isinteger(thread, index) != 0 { return .integer(Int64(lua_tointegerx(thread, index, nil))) }
            return .number(lua_tonumberx(thread, index, nil))
        case LUA_TSTRING:
            var length = 0
            let bytes = lua_tolstring(thread, index, &length)
            return .string(String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self))
        case LUA_TTABLE:
            guard depth < maximumNesting else {
                throw LuaError(.conversion, "table is nested more than \(maximumNesting) deep")
            }
            guard let identity = lua_topointer(thread, index), visiting.insert(identity).inserted else {
                throw LuaError(.conversion, "table contains a reference to itself")
            }
            defer { visiting.remove(identity) }
            guard lua_checkstack(thread, 3) != 0 else { throw LuaError(.conversion, "Lua stack is full") }
            if let secret = secretValue(at: index, on: thread) {
                return .string(conversion == .revealingSecrets ? secret : LuaSecret.mask)
            }
            var entries: [LuaValue: LuaValue] = [:]
            lua_pushnil(thread)
            // lua_next raises only for a key that is not in the table; every key here
            // came from lua_next itself and nothing changes the table meanwhile.
            while lua_next(thread, index) != 0 {
                let key = try value(at: -2, on: thread, conversion: conversion, depth: depth + 1, visiting: &visiting)
                let element = try value(at: -1, on: thread, conversion: conversion, depth: depth + 1, visiting: &visiting)
                entries[key] = element
                cluashim_pop(thread, 1)
            }
            var table = LuaTable()
            var next: Int64 = 1
            while let element = entries.removeValue(forKey: .integer(next)) {
                table.array.append(element)
                next += 1
            }
            table.fields = entries
            return .table(table)
        default:
            let type = String(cString: lua_typename(thread, lua_type(thread, index)))
            if conversion == .describe { return .string("<\(type)>") }
            throw LuaError(.conversion, "a \(type) cannot be passed to or from the host")
        }
    }

    /// The value a secret table holds in its metatable, or nil for any other table. Reads the
    /// metatable raw, so Lua's `__metatable` guard does not hide it from the host.
    private func secretValue(at index: Int32, on thread: OpaquePointer) -> String? {
        guard lua_getmetatable(thread, index) != 0 else { return nil }
        defer { cluashim_pop(thread, 2) }
        lua_pushstring(thread, LuaSecret.valueKey)
        guard lua_rawget(thread, -2) == LUA_TSTRING else { return nil }
        var length = 0
        let bytes = lua_tolstring(thread, -1, &length)
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
    }

    func value(at index: Int32, on thread: OpaquePointer, conversion: LuaConversion) throws -> LuaValue {
        var visiting = Set<UnsafeRawPointer>()
        return try value(at: index, on: thread, conversion: conversion, visiting: &visiting)
    }
}
