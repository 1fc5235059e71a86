import LuaKit

/// Step results as the journal keeps them: whole when small, described when large.
func summarize(_ results: [LuaValue]) -> LuaValue? {
    if results.isEmpty { return nil }
    let value: LuaValue = results.count == 1 ? results[0] : .table(LuaTable(array: results))
    return value.approximateSize <= 4096 ? value : .string("<\(value.typeName), \(value.approximateSize) bytes; not journaled>")
}

extension LuaValue {
    /// The text a person expects from `tostring` for strings and numbers.
    var plainText: String {
        switch self {
        case .string(let s): s
        case .integer(let i): String(i)
        case .number(let d): "\(d)"
        case .nil: "nil"
        default: description
        }
    }

    /// Roughly the bytes this value takes as JSON.
    var approximateSize: Int {
        switch self {
        case .nil, .boolean: 5
        case .integer, .number: 12
        case .string(let s): s.utf8.count + 2
        case .bytes(let bytes): bytes.count + 2
        case .table(let t):
            t.array.reduce(2) { $0 + $1.approximateSize + 1 }
                + t.fields.reduce(0) { $0 + $1.key.approximateSize + $1.value.approximateSize + 2 }
        }
    }
}
