import Foundation
import LuaKit

/// `json.encode(value)` and `json.decode(text)`: keys sorted, so output is stable.
enum JSONBindings {
    static func functions() -> [LuaHostFunction] {
        [
            LuaHostFunction("json.encode") { call in
                let value = try call.value(1)
                return .values([.string(try encodeJSON(value))])
            },
            LuaHostFunction("json.decode") { call in
                let text = try call.string(1, "text")
                do {
                    return .values([try JSONDecoder().decode(LuaValue.self, from: Data(text.utf8))])
                } catch {
                    throw LuaHostError("malformed JSON: \(describeDecodingError(error))")
                }
            },
        ]
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
