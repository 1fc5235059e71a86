/// A Lua value copied into Swift: what host functions take and return.
///
/// Strings are UTF-8 (invalid bytes become U+FFFD). Functions, userdata and
/// threads do not cross into Swift; converting one is an error unless the
/// caller asks for a description instead.
///
/// ```swift
/// let cluster: LuaValue = ["name": "orders", "brokers": [1, 2, 3]]
/// cluster["brokers"][2]   // .integer(2)
/// ```
public enum LuaValue: Sendable, Hashable {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    /// A Lua string made in Swift from bytes that need not be UTF-8 (an HTTP body): pushed
    /// byte for byte, since Lua strings are bytes. Values read from Lua are always `string`.
    case bytes([UInt8])
    case table(LuaTable)
}

/// A Lua table: its sequence `t[1]...t[n]` and every other key.
public struct LuaTable: Sendable, Hashable {
    /// `t[1]` to `t[n]`, without holes.
    public var array: [LuaValue]
    /// Every key that is not part of the sequence.
    public var fields: [LuaValue: LuaValue]

    /// A table from a sequence and other fields.
    public init(array: [LuaValue] = [], fields: [LuaValue: LuaValue] = [:]) {
        self.array = array
        self.fields = fields
    }

    /// The value at `key`, reading the sequence for integer keys.
    public subscript(key: LuaValue) -> LuaValue {
        get {
            if case .integer(let i) = key, i >= 1, i <= array.count { return array[Int(i - 1)] }
            return fields[key] ?? .nil
        }
        set {
            if case .integer(let i) = key, i >= 1, i <= array.count {
                if newValue == .nil {
                    // A hole ends the sequence; the rest become plain fields.
                    for (offset, value) in array[Int(i)...].enumerated() {
                        fields[.integer(i + 1 + Int64(offset))] = value
                    }
                    array.removeSubrange(Int(i - 1)...)
                } else {
                    array[Int(i - 1)] = newValue
                }
                return
            }
            if case .integer(let i) = key, i == array.count + 1, newValue != .nil {
                array.append(newValue)
                fields[key] = nil
                while let next = fields.removeValue(forKey: .integer(Int64(array.count + 1))) { array.append(next) }
                return
            }
            fields[key] = newValue == .nil ? nil : newValue
        }
    }

    /// True when the table has neither a sequence nor other keys.
    public var isEmpty: Bool { array.isEmpty && fields.isEmpty }
}

extension LuaValue {
    /// The string, if this is one.
    public var stringValue: String? {
        switch self {
        case .string(let s): s
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }
    /// The number as an integer, if it has an exact integer value.
    public var intValue: Int64? {
        switch self {
        case .integer(let i): i
        case .number(let d) where d == d.rounded() && abs(d) < 9.2e18: Int64(d)
        default: nil
        }
    }
    /// The number as a double, for either number subtype.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }
    /// The boolean, if this is one.
    public var boolValue: Bool? { if case .boolean(let b) = self { b } else { nil } }
    /// The table, if this is one.
    public var tableValue: LuaTable? { if case .table(let t) = self { t } else { nil } }
    /// False only for `nil` and `false`, as in Lua.
    public var isTruthy: Bool {
        switch self {
        case .nil, .boolean(false): false
        default: true
        }
    }
    /// The Lua type name: "nil", "boolean", "number", "string" or "table".
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string, .bytes: "string"
        case .table: "table"
        }
    }

    /// `t[key]` for a table value, `nil` for anything else.
    public subscript(key: String) -> LuaValue {
        tableValue?[.string(key)] ?? .nil
    }

    /// `t[index]` (1-based, as in Lua) for a table value, `nil` for anything else.
    public subscript(index: Int) -> LuaValue {
        tableValue?[.integer(Int64(index))] ?? .nil
    }
}

extension LuaValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension LuaValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension LuaValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension LuaValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension LuaValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: LuaValue...) {
        self = .table(LuaTable(array: elements.filter { $0 != .nil }))
    }
}

extension LuaValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        var table = LuaTable()
        for (key, value) in elements where value != .nil { table.fields[.string(key)] = value }
        self = .table(table)
    }
}

extension LuaValue: CustomStringConvertible {
    /// A short Lua-like rendering, for messages.
    public var description: String {
        switch self {
        case .nil: "nil"
        case .boolean(let b): b ? "true" : "false"
        case .integer(let i): String(i)
        case .number(let d): "\(d)"
        case .string(let s): "\"\(s)\""
        case .bytes(let bytes): "\"\(String(decoding: bytes, as: UTF8.self))\""
        case .table(let t):
            "{" + (t.array.map(\.description) + t.fields.map { "[\($0.key)]=\($0.value)" }.sorted()).joined(separator: ", ") + "}"
        }
    }
}

extension LuaValue {
    /// About how many bytes Lua allocates to hold this value (64-bit Lua 5.4): a table's
    /// header, array slots and hash nodes (rounded up to powers of two, as Lua sizes them),
    /// and each string's header and bytes. Short string keys are not counted: Lua interns
    /// them, so an answer's repeated field names cost once. What the memory limit is held
    /// against before an answer is pushed.
    public var estimatedLuaBytes: Int {
        switch self {
        case .nil, .boolean, .integer, .number: return 0
        case .string(let text): return Self.stringBytes(text.utf8.count)
        case .bytes(let bytes): return Self.stringBytes(bytes.count)
        case .table(let table):
            var total = 56 + 16 * Self.roundedUp(table.array.count) + 32 * Self.roundedUp(table.fields.count)
            for value in table.array { total += value.estimatedLuaBytes }
            for (key, value) in table.fields {
                if case .string(let name) = key, name.utf8.count <= 40 {} else { total += key.estimatedLuaBytes }
                total += value.estimatedLuaBytes
            }
            return total
        }
    }

    /// What Lua allocates for a string of `count` bytes.
    public static func stringBytes(_ count: Int) -> Int { 25 + count }

    private static func roundedUp(_ count: Int) -> Int {
        count <= 1 ? count : 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
    }
}
