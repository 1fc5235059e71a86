import Foundation
import LuaKit

extension LuaModule {
    /// `json`: JSON text to and from Lua values.
    static let json = LuaModule("json", doc: "JSON text to and from Lua values. Pure.", functions: [
        .pure("encode", parameters: [.required("value", .value, "A table, string, number or boolean")], returns: .string,
              doc: "JSON text with keys sorted, so output is stable; an empty table is `{}`.",
              example: #"json.encode({ broker = 2, ok = true })"#) { arguments in
            try encodeJSON(arguments["value"])
        },
        .pure("decode", parameters: [.required("text", .string, "JSON text")], returns: .any,
              doc: "The Lua value of JSON text; `null` becomes nil.", example: #"json.decode('{"ok": true}').ok"#) { arguments in
            do {
                return try JSONDecoder().decode(LuaValue.self, from: Data(try arguments.string("text").utf8))
            } catch {
                throw LuaHostError("malformed JSON: \(describeDecodingError(error))")
            }
        },
    ])
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
