import AWSKit
import Foundation
import LuaKit

extension AWSValue {
    /// `value`, a runbook's Lua input for `operation`, as the model's input shape takes it:
    /// structures keyed by the model's member names (as boto3 takes them), lists as arrays, maps
    /// as tables, timestamps as epoch seconds or ISO 8601 text, blobs as strings.
    ///
    /// - Throws: `LuaHostError` naming the operation and the member path: an unknown member
    ///   (`ec2.DescribeVpcs has no input member VpcId`), or a value of the wrong type
    ///   (`ec2.DescribeVpcs: VpcIds[1]: expected a string, got number`).
    ///
    /// - Returns: the input, and the strings of its members whose shape is `sensitive` (an SSM
    ///   parameter's value), which the journal must mask in the request it records.
    static func input(_ value: LuaValue, operation: String, model: AWSServiceModel) throws -> (AWSValue, sensitive: [String]) {
        let name = "\(model.service).\(operation)"
        guard let shape = model.operations[operation]?.input?.shape else {
            guard case .table(let table) = value, table.isEmpty else {
                throw LuaHostError("\(name) takes no input members")
            }
            return (.map([:]), [])
        }
        var converter = InputConverter(model: model, operation: name)
        let input = try converter.convert(value, shape: shape, path: "")
        return (input, converter.sensitive)
    }

    /// The answer as Lua: structures and maps become tables keyed by their names, lists arrays,
    /// timestamps epoch seconds, blobs strings of bytes; null members are left out.
    var luaValue: LuaValue {
        switch self {
        case .null: return .nil
        case .bool(let value): return .boolean(value)
        case .integer(let value): return .integer(value)
        case .double(let value): return .number(value)
        case .string(let value): return .string(value)
        case .blob(let bytes): return .bytes(bytes)
        case .timestamp(let seconds):
            return seconds == seconds.rounded() && abs(seconds) < 9e15 ? .integer(Int64(seconds)) : .number(seconds)
        case .list(let items): return .table(LuaTable(array: items.map(\.luaValue).filter { $0 != .nil }))
        case .map, .structure:
            var table = LuaTable()
            for field in fields ?? [] where field.value != .null {
                table.fields[.string(field.name)] = field.value.luaValue
            }
            return .table(table)
        }
    }
}

/// Walks a Lua input and its shape together.
private struct InputConverter {
    let model: AWSServiceModel
    /// `ec2.DescribeVpcs`, for errors.
    let operation: String
    /// The strings given to sensitive shapes so far.
    var sensitive: [String] = []

    mutating func convert(_ value: LuaValue, shape name: String, path: String) throws -> AWSValue {
        let shape = try model.shape(name)
        if shape.sensitive == true { Self.strings(in: value, into: &sensitive) }
        func mismatch(_ expected: String) -> LuaHostError {
            LuaHostError("\(operation): \(path.isEmpty ? "the input" : path): expected \(expected), got \(ArgumentChecker.shown(value))")
        }
        switch shape.type {
        case .structure:
            guard case .table(let table) = value, table.array.isEmpty else { throw mismatch("a table of members") }
            var fields: [String: AWSValue] = [:]
            for (key, element) in table.fields {
                guard case .string(let member) = key else { throw mismatch("a table with string keys") }
                guard let ref = shape.member(named: member) else {
                    let known = (shape.members ?? []).compactMap(\.name)
                    let list = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", ..." : "")
                    throw LuaHostError("\(operation) has no input member \(path.isEmpty ? "" : path + ".")\(member)"
                        + (known.isEmpty ? " (it takes none)" : " (members: \(list))"))
                }
                fields[member] = try convert(element, shape: ref.shape, path: path.isEmpty ? member : "\(path).\(member)")
            }
            return .map(fields)
        case .list:
            guard case .table(let table) = value, table.fields.isEmpty, let element = shape.member?.shape else {
                throw mismatch("a list")
            }
            var items: [AWSValue] = []
            for (index, item) in table.array.enumerated() { items.append(try convert(item, shape: element, path: "\(path)[\(index + 1)]")) }
            return .list(items)
        case .map:
            guard case .table(let table) = value, table.array.isEmpty, let element = shape.value?.shape else {
                throw mismatch("a table of string keys")
            }
            var entries: [String: AWSValue] = [:]
            for (key, entry) in table.fields {
                guard case .string(let text) = key else { throw mismatch("a table of string keys") }
                entries[text] = try convert(entry, shape: element, path: "\(path)[\"\(text)\"]")
            }
            return .map(entries)
        case .string:
            guard let text = value.stringValue, value.typeName == "string" else { throw mismatch("a string") }
            return .string(text)
        case .integer, .long:
            guard let number = value.intValue else { throw mismatch("an integer") }
            return .integer(number)
        case .float, .double:
            guard let number = value.doubleValue else { throw mismatch("a number") }
            return .double(number)
        case .boolean:
            guard let flag = value.boolValue else { throw mismatch("a boolean") }
            return .bool(flag)
        case .blob:
            switch value {
            case .bytes(let bytes): return .blob(bytes)
            case .string(let text): return .blob(Array(text.utf8))
            default: throw mismatch("a string")
            }
        case .timestamp:
            if let seconds = value.doubleValue { return .timestamp(seconds) }
            if case .string(let text) = value, let date = Self.iso8601(text) { return .timestamp(date.timeIntervalSince1970) }
            throw mismatch("epoch seconds or an ISO 8601 time")
        }
    }

    private static func strings(in value: LuaValue, into found: inout [String]) {
        switch value {
        case .string, .bytes: if let text = value.stringValue, !text.isEmpty { found.append(text) }
        case .table(let table):
            for item in table.array { strings(in: item, into: &found) }
            for item in table.fields.values { strings(in: item, into: &found) }
        default: break
        }
    }

    private static func iso8601(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
