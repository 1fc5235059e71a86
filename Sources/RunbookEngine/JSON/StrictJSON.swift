import Foundation
import LuaKit

/// JSON as RFC 8259 writes it, and nothing looser: the one way text from outside (json.decode,
/// --params-file, AWS answers) becomes a Lua value.
///
/// Foundation's decoder accepts `[1,]` and `{"a":1,}` and keeps the first of duplicate keys;
/// the grammar is checked here first, a duplicate key is an error (RFC 8259 leaves it open;
/// refusing is the choice no reader can misread), and nesting is capped so deep input cannot
/// exhaust the stack.
enum StrictJSON {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 200

    /// The Lua value of `text`.
    ///
    /// - Parameter budget: the most Lua memory the value may take, estimated while the
    ///   grammar is checked, before anything is built; nil for no limit.
    /// - Throws: ``LuaHostError`` saying what is wrong and at which byte, or
    ///   ``LuaAnswerTooLarge`` past `budget`.
    static func decode(_ bytes: some Collection<UInt8>, budget: Int? = nil) throws -> LuaValue {
        let data = Data(bytes)
        try check(data, budget: budget)
        do {
            return try JSONDecoder().decode(LuaValue.self, from: data)
        } catch {
            throw LuaHostError("malformed JSON: \(describeDecodingError(error))")
        }
    }

    /// Checks `bytes` against RFC 8259's grammar, duplicate keys and the nesting cap, decoding nothing.
    ///
    /// - Throws: ``LuaHostError`` saying what is wrong and at which byte.
    static func check(_ bytes: some Collection<UInt8>, budget: Int? = nil) throws {
        var checker = Checker(bytes: Array(bytes), budget: budget ?? .max)
        try checker.document()
    }

    /// JSON text for `value`, keys sorted so output is stable.
    ///
    /// - Throws: ``LuaHostError`` for NaN or an infinity, which JSON cannot hold.
    static func encode(_ value: LuaValue, pretty: Bool = false) throws -> String {
        if let path = nonFinite(value, path: "value") {
            throw LuaHostError("JSON cannot hold NaN or infinity (\(path))")
        }
        return try encodeJSON(value, pretty: pretty)
    }

    private static func nonFinite(_ value: LuaValue, path: String) -> String? {
        switch value {
        case .number(let number) where !number.isFinite: return path
        case .table(let table):
            for (index, item) in table.array.enumerated() {
                if let found = nonFinite(item, path: "\(path)[\(index + 1)]") { return found }
            }
            for (key, item) in table.fields {
                if let found = nonFinite(item, path: "\(path).\(key.stringValue ?? key.description)") { return found }
            }
            return nil
        default: return nil
        }
    }

    /// A recursive-descent check of RFC 8259's grammar.
    private struct Checker {
        let bytes: [UInt8]
        /// The most Lua memory the value may take, and about how much it takes so far, counted
        /// as ``LuaValue/estimatedLuaBytes`` counts (without rounding tables up).
        let budget: Int
        var luaBytes = 0
        var position = 0
        var depth = 0

        init(bytes: [UInt8], budget: Int) {
            self.bytes = bytes
            self.budget = budget
        }

        private mutating func count(_ bytes: Int) throws {
            luaBytes += bytes
            guard luaBytes <= budget else {
                throw LuaAnswerTooLarge("the answer (\(describeBytes(self.bytes.count)) of JSON)", available: budget)
            }
        }

        mutating func document() throws {
            skipSpace()
            try value()
            skipSpace()
            guard position == bytes.count else { throw fail("unexpected text after the value") }
        }

        private func fail(_ what: String) -> LuaHostError {
            LuaHostError("malformed JSON: \(what) at byte \(position + 1)")
        }

        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        private mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        private mutating func expect(_ literal: String) throws {
            for byte in literal.utf8 {
                guard current == byte else { throw fail("expected \(literal)") }
                position += 1
            }
        }

        private mutating func value() throws {
            switch current {
            case UInt8(ascii: "{"): try object()
            case UInt8(ascii: "["): try array()
            case UInt8(ascii: "\""): try count(LuaValue.stringBytes(try string().count))
            case UInt8(ascii: "t"): try expect("true")
            case UInt8(ascii: "f"): try expect("false")
            case UInt8(ascii: "n"): try expect("null")
            case .some(let byte) where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): try number()
            case nil: throw fail("unexpected end of input")
            default: throw fail("unexpected character")
            }
        }

        private mutating func nest() throws {
            depth += 1
            guard depth <= StrictJSON.maximumDepth else { throw fail("nesting deeper than \(StrictJSON.maximumDepth)") }
        }

        private mutating func object() throws {
            var keys = Set<[UInt8]>()
            try sequence(closedBy: "}") { checker in
                guard checker.current == UInt8(ascii: "\"") else { throw checker.fail("expected a member name in quotes") }
                let keyStart = checker.position
                let key = try checker.string()
                guard keys.insert(key).inserted else {
                    checker.position = keyStart
                    throw checker.fail("duplicate key \(String(decoding: key, as: UTF8.self).debugDescription)")
                }
                try checker.count(32)
                checker.skipSpace()
                guard checker.current == UInt8(ascii: ":") else { throw checker.fail("expected ':'") }
                checker.position += 1
                checker.skipSpace()
                try checker.value()
            }
        }

        private mutating func array() throws {
            try sequence(closedBy: "]") { checker in
                try checker.count(16)
                try checker.value()
            }
        }

        /// `[` or `{`, then elements separated by commas, then `close`: no trailing comma.
        private mutating func sequence(closedBy close: Unicode.Scalar, _ element: (inout Checker) throws -> Void) throws {
            try nest()
            try count(56)
            position += 1
            skipSpace()
            if current == UInt8(ascii: close) {
                position += 1
                depth -= 1
                return
            }
            while true {
                skipSpace()
                try element(&self)
                skipSpace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard current == UInt8(ascii: close) else { throw fail("expected ',' or '\(close)'") }
                position += 1
                depth -= 1
                return
            }
        }

        /// The raw bytes between the quotes, escapes checked (not decoded: only duplicate keys need them).
        private mutating func string() throws -> [UInt8] {
            position += 1
            let start = position
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    let raw = Array(bytes[start..<position])
                    position += 1
                    return raw
                case UInt8(ascii: "\\"):
                    position += 1
                    guard let escaped = current else { throw fail("unterminated string") }
                    if escaped == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            position += 1
                            guard let digit = current, isHexDigit(digit) else { throw fail("bad \\u escape") }
                        }
                    } else if !Array("\"\\/bfnrt".utf8).contains(escaped) {
                        throw fail("bad escape")
                    }
                    position += 1
                case 0x00...0x1F:
                    throw fail("a control character in a string")
                default:
                    position += 1
                }
            }
            throw fail("unterminated string")
        }

        private func isHexDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }

        private mutating func digits() -> Int {
            var count = 0
            while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                position += 1
                count += 1
            }
            return count
        }

        private mutating func number() throws {
            let start = position
            try numberGrammar()
            // A number beyond a double's range would otherwise reach the decoder as a type
            // mismatch; underflow to zero is harmless, as in every JSON reader.
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if let value = Double(text), !value.isFinite {
                position = start
                throw fail("the number \(text.prefix(40)) is out of range (beyond ±1.8e308)")
            }
        }

        private mutating func numberGrammar() throws {
            if current == UInt8(ascii: "-") { position += 1 }
            if current == UInt8(ascii: "0") {
                position += 1
                if let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { throw fail("a number with a leading zero") }
            } else if digits() == 0 {
                throw fail("expected a digit")
            }
            if current == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw fail("expected a digit after '.'") }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw fail("expected a digit in the exponent") }
            }
        }
    }
}

func encodeJSON(_ value: LuaValue, pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func describeDecodingError(_ error: any Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let context):
        (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
    default: "\(error)"
    }
}
