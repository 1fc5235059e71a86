import Foundation
import LuaKit

extension LuaModule {
    /// `json`: JSON text to and from Lua values.
    static let json = LuaModule("json", doc: "JSON text to and from Lua values. Pure.", functions: [
        .pure("encode", parameters: [.required("value", .value, "A table, string, number or boolean")], returns: .string,
              doc: "JSON text with keys sorted, so output is stable; an empty table is `{}`; NaN and infinity are errors.",
              example: #"json.encode({ broker = 2, ok = true })"#) { arguments in
            try StrictJSON.encode(arguments["value"])
        },
        .pure("decode", parameters: [.required("text", .string, "JSON text")], returns: .any,
              doc: "The Lua value of JSON text, as RFC 8259 writes it: trailing commas, duplicate keys and nesting past 200 are errors; `null` becomes nil.", example: #"json.decode('{"ok": true}').ok"#) { arguments in
            try StrictJSON.decode(try arguments.string("text").utf8, budget: arguments.answerLimit)
        },
    ])
}

