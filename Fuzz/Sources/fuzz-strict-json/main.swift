import Foundation
import FuzzSupport
import LuaKit
@_spi(Fuzzing) import RunbookEngine

// JSON reaches runbooks from json.decode, --params-file and AWS answers. StrictJSON must accept
// or throw, never trap, and is checked against Foundation's JSONSerialization: what StrictJSON
// decodes, Foundation accepts; what Foundation accepts and StrictJSON refuses is one of the
// documented differences (a duplicate key, nesting deeper than StrictJSON's cap, a trailing
// comma). Foundation also reads UTF-16 and UTF-32, which it detects from a byte-order mark or
// NUL bytes among the first four; StrictJSON reads UTF-8 only (RFC 8259 section 8.1), so such
// input is left out of the comparison. What decodes, encoded again, decodes to the same Lua value (numbers compared as Lua's
// `==` compares them, so 1 and 1.0 are the same).

private func same(_ a: LuaValue, _ b: LuaValue) -> Bool {
    switch (a, b) {
    case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)):
        return Double(exactly: x) == y
    case (.table(let x), .table(let y)):
        guard x.array.count == y.array.count, x.fields.count == y.fields.count,
              zip(x.array, y.array).allSatisfy({ same($0, $1) }) else { return false }
        return x.fields.allSatisfy { key, value in y.fields[key].map { same(value, $0) } ?? false }
    default:
        return a == b
    }
}

/// Whether StrictJSON's refusal `message` of `bytes` is one of the documented differences.
private func documented(_ message: String, _ bytes: [UInt8]) -> Bool {
    if message.contains("duplicate key") || message.contains("nesting deeper than") { return true }
    // A trailing comma: the refused byte closes an array or object right after a comma.
    guard let range = message.range(of: "at byte "), let at = Int(message[range.upperBound...]) else { return false }
    let index = at - 1
    guard index < bytes.count, bytes[index] == UInt8(ascii: "]") || bytes[index] == UInt8(ascii: "}") else { return false }
    let before = bytes[..<index].last { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
    return before == UInt8(ascii: ",")
}

/// Whether Foundation would read `bytes` as UTF-16 or UTF-32, or skip a byte-order mark.
private func otherEncoding(_ bytes: [UInt8]) -> Bool {
    bytes.prefix(4).contains(0) || bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFE, 0xFF])
        || bytes.starts(with: [0xFF, 0xFE])
}

fuzz { bytes in
    let foundation = otherEncoding(bytes)
        ? nil : (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    let decoded: LuaValue
    do {
        decoded = try FuzzEntryPoints.strictJSONDecode(bytes)
    } catch {
        let message = "\(error)"
        if foundation == true, (try? FuzzEntryPoints.strictJSONCheck(bytes)) == nil {
            property(documented(message, bytes),
                     "Foundation accepts what StrictJSON refuses (\(message)): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
        return
    }
    property(foundation != false, "StrictJSON decodes what Foundation refuses: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    do {
        let text = try FuzzEntryPoints.strictJSONEncode(decoded)
        let again = try FuzzEntryPoints.strictJSONDecode(Array(text.utf8))
        property(same(again, decoded), "\(decoded) encoded as \(text) decodes to \(again)")
    } catch {
        property(false, "\(decoded) does not encode and decode again: \(error)")
    }
}
