/// JSON-shaped coding: a table with only a sequence is an array, any other table an
/// object (non-string keys written as strings), the empty table an empty object.
extension LuaValue: Codable {
    struct CodingName: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { return nil }
    }

    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var elements: [LuaValue] = []
            while !array.isAtEnd {
                elements.append(try array.decode(LuaValue.self))
            }
            // A Lua sequence cannot hold nil, so JSON nulls in arrays are dropped.
            self = .table(LuaTable(array: elements.filter { $0 != .nil }))
            return
        }
        if let object = try? decoder.container(keyedBy: CodingName.self) {
            var table = LuaTable()
            for key in object.allKeys {
                let element = try object.decode(LuaValue.self, forKey: key)
                if element != .nil { table.fields[.string(key.stringValue)] = element }
            }
            self = .table(table)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .nil
        } else if let b = try? single.decode(Bool.self) {
            self = .boolean(b)
        } else if let i = try? single.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? single.decode(Double.self) {
            self = .number(d)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .nil:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .boolean(let b):
            var single = encoder.singleValueContainer()
            try single.encode(b)
        case .integer(let i):
            var single = encoder.singleValueContainer()
            try single.encode(i)
        case .number(let d):
            var single = encoder.singleValueContainer()
            if !d.isFinite {
                // JSON has no NaN or infinity; write them as strings rather than fail the journal.
                try single.encode("\(d)")
            } else if d == d.rounded(), abs(d) >= 0x1p53, abs(d) < 0x1p63 {
                // Past 2^53 the shortest form (9.211686018427387e+16) reads back as a different
                // integer; the exact digits read back as the same number.
                try single.encode(Int64(d))
            } else {
                try single.encode(d)
            }
        case .string(let s):
            var single = encoder.singleValueContainer()
            try single.encode(s)
        case .bytes(let bytes):
            // JSON holds text: bytes that are not UTF-8 are replaced, in the journal only.
            var single = encoder.singleValueContainer()
            try single.encode(String(decoding: bytes, as: UTF8.self))
        case .table(let table):
            if table.fields.isEmpty, !table.array.isEmpty {
                var array = encoder.unkeyedContainer()
                for element in table.array { try array.encode(element) }
            } else {
                var object = encoder.container(keyedBy: CodingName.self)
                for (offset, element) in table.array.enumerated() {
                    try object.encode(element, forKey: CodingName(stringValue: String(offset + 1)))
                }
                for (key, element) in table.fields {
                    let name: String
                    switch key {
                    case .string(let s): name = s
                    default: name = key.description
                    }
                    try object.encode(element, forKey: CodingName(stringValue: name))
                }
            }
        }
    }
}
