public import LuaKit

/// The parsers of outside input in this module, for the libFuzzer targets of `Fuzz/` only.
///
/// Each entry runs the same internal code `json.decode`, `--params-file` and AWS answers go
/// through; none of them is part of the module's API (`@_spi(Fuzzing) import RunbookEngine`).
@_spi(Fuzzing) public enum FuzzEntryPoints {
    /// Whether `bytes` pass StrictJSON's grammar check (RFC 8259, no duplicate keys, depth at most
    /// ``strictJSONMaximumDepth``); the error says what is wrong and at which byte.
    public static func strictJSONCheck(_ bytes: [UInt8]) throws {
        try StrictJSON.check(bytes)
    }

    /// The Lua value of JSON text, as `json.decode` makes it.
    public static func strictJSONDecode(_ bytes: [UInt8]) throws -> LuaValue {
        try StrictJSON.decode(bytes)
    }

    /// JSON text for a Lua value, as `json.encode` writes it.
    public static func strictJSONEncode(_ value: LuaValue) throws -> String {
        try StrictJSON.encode(value)
    }

    /// The deepest nesting StrictJSON accepts.
    public static var strictJSONMaximumDepth: Int { StrictJSON.maximumDepth }
}
