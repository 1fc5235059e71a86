import LuaKit
import RunbookEngine
import Testing

/// json.decode once accepted `[1,]` and kept the first of duplicate keys, and json.encode
/// wrote NaN and infinity as the strings "-nan" and "inf". A number out of range (1e400) said
/// "typeMismatch" instead of what is wrong.
struct StrictJSONTests {
    @Test(arguments: [
        ("[1,]", "unexpected character at byte 4"),
        (#"{"a":1,"a":2}"#, #"duplicate key "a" at byte 8"#),
        (#"{"a":1,}"#, "expected a member name in quotes at byte 8"),
        ("01", "a number with a leading zero at byte 2"),
        ("[1]x", "unexpected text after the value at byte 4"),
        (#"{"a":NaN}"#, "unexpected character at byte 6"),
        (String(repeating: "[", count: 300), "nesting deeper than 200"),
        // Numbers beyond a double's range once gave "typeMismatch: expected value of type String".
        ("[1e400]", "the number 1e400 is out of range (beyond ±1.8e308) at byte 2"),
        (#"{"a": -1e999}"#, "the number -1e999 is out of range (beyond ±1.8e308) at byte 7"),
    ])
    func jsonDecodeFollowsRFC8259(text: String, expected: String) async throws {
        let record = try await run(runbookSource("json.decode([==[\(text)]==])"))
        #expect(record.result.exit == .failed)
        #expect(record.events(.runFinished).first?.error?.contains("json.decode: malformed JSON: \(expected)") == true,
                "\(record.events(.runFinished).first?.error ?? "")")
    }

    @Test func validJSONStillDecodes() async throws {
        let record = try await run(runbookSource(#"""
            step("decode", function()
              local v = json.decode([[ {"a": [1, 2.5e1, -0, "x\u00e9\n"], "b": {"c": null, "d": true}} ]])
              return { n = #v.a, e = v.a[2], s = v.a[4], d = v.b.d }
            end)
            """#))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == ["n": 4, "e": 25, "s": "xé\n", "d": true])
    }

    /// Found by fuzz-strict-json: 92116860184273879.008 decoded to the float 92116860184273872,
    /// which json.encode wrote as 9.211686018427387e+16 and json.decode read back as the integer
    /// 92116860184273870.
    @Test func jsonRoundTripKeepsIntegralFloatsPast2To53() async throws {
        let record = try await run(runbookSource(#"""
            step("round trip", function()
              local x = json.decode("[92116860184273879.008]")[1]
              local y = json.decode(json.encode({ x }))[1]
              return { same = x == y, text = json.encode({ x }), big = json.decode(json.encode({ -2^62 }))[1] == -2^62 }
            end)
            """#))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == ["same": true, "text": "[92116860184273872]", "big": true])
    }

    @Test(arguments: ["0/0", "math.huge", "{ x = { -math.huge } }"])
    func jsonEncodeRefusesNaNAndInfinity(value: String) async throws {
        let record = try await run(runbookSource("json.encode(\(value))"))
        #expect(record.result.exit == .failed)
        #expect(record.events(.runFinished).first?.error?.contains("json.encode: JSON cannot hold NaN or infinity") == true)
    }
}
