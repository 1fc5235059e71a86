public import AWSKit
public import LuaKit

extension AWSServiceModel {
    /// `value`, an answer decoded to Lua, with every member whose shape is `sensitive` (STS
    /// credentials, SSM SecureString values) replaced by `<redacted>`, for the journal, the
    /// report and the terminal. The runbook itself is given `value` unchanged.
    ///
    /// The walk follows the value and the shape together: a structure's fields by their member
    /// name or their wire name (`locationName`), a list's elements, a map's values. Fields the
    /// shape does not name are kept as they are.
    ///
    /// ```swift
    /// let sts = try AWSServiceModel.load("sts")
    /// sts.redactingSensitive(answer, shape: "AssumeRoleResponse")
    /// // Credentials.SecretAccessKey and Credentials.SessionToken are "<redacted>"
    /// ```
    ///
    /// - Parameters:
    ///   - value: the decoded answer, or any part of it.
    ///   - shape: the name of `value`'s shape, such as an operation's output shape.
    public func redactingSensitive(_ value: LuaValue, shape: String) -> LuaValue {
        guard value != .nil, let model = shapes[shape] else { return value }
        if model.sensitive == true { return .string(Redactor.mask) }
        guard case .table(var table) = value else { return value }
        switch model.type {
        case .structure:
            for member in model.members ?? [] {
                for key in Set([member.name, member.locationName].compactMap { $0 }) {
                    let field = LuaValue.string(key)
                    if let element = table.fields[field] {
                        table.fields[field] = redactingSensitive(element, shape: member.shape)
                    }
                }
            }
        case .list:
            guard let element = model.member?.shape else { return value }
            table.array = table.array.map { redactingSensitive($0, shape: element) }
        case .map:
            guard let element = model.value?.shape else { return value }
            for (key, field) in table.fields { table.fields[key] = redactingSensitive(field, shape: element) }
            table.array = table.array.map { redactingSensitive($0, shape: element) }
        default:
            return value
        }
        return .table(table)
    }

    /// `value`, the answer of `operation`, with its sensitive members replaced by `<redacted>`;
    /// unchanged when the operation has no output shape.
    ///
    /// - Parameters:
    ///   - value: the decoded answer.
    ///   - operation: the operation's model name (`"AssumeRole"`).
    public func redactingSensitive(_ value: LuaValue, outputOf operation: String) -> LuaValue {
        guard let output = operations[operation]?.output?.shape else { return value }
        return redactingSensitive(value, shape: output)
    }

    /// The strings of `value`, the answer of `operation`, that ``redactingSensitive(_:outputOf:)``
    /// would mask: what the journal must learn as secrets, so that the values are masked wherever
    /// a runbook puts them (a step's result, a log line, an error).
    ///
    /// - Parameters:
    ///   - value: the decoded answer.
    ///   - operation: the operation's model name (`"GetSessionToken"`).
    public func sensitiveValues(in value: LuaValue, outputOf operation: String) -> [String] {
        var found: [String] = []
        func strings(_ value: LuaValue) {
            switch value {
            case .string, .bytes: if let text = value.stringValue, !text.isEmpty { found.append(text) }
            case .table(let table):
                table.array.forEach(strings)
                table.fields.values.forEach(strings)
            default: break
            }
        }
        func compare(_ original: LuaValue, _ redacted: LuaValue) {
            if original == redacted { return }
            if redacted == .string(Redactor.mask) { return strings(original) }
            guard case .table(let before) = original, case .table(let after) = redacted else { return }
            for (element, masked) in zip(before.array, after.array) { compare(element, masked) }
            for (key, element) in before.fields { compare(element, after.fields[key] ?? .nil) }
        }
        compare(value, redactingSensitive(value, outputOf: operation))
        return found
    }
}
