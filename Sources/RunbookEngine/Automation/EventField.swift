import LuaKit

/// A value inside an untrusted event with its path, so every refusal names the field it is about.
///
/// JSON `null` decodes to nothing, so a null field reads as a missing one.
struct EventField {
    let value: LuaValue
    let path: String

    /// The member `name`; a name with spaces or punctuation is quoted in the path.
    subscript(name: String) -> EventField {
        let plain = name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        return EventField(value: value[name], path: plain ? "\(path).\(name)" : "\(path)[\(name.debugDescription)]")
    }

    var isPresent: Bool { value != .nil }

    func refuse(_ problem: String) -> AlarmEventError { AlarmEventError(path, problem) }

    func string() throws -> String {
        guard isPresent else { throw refuse("missing") }
        guard case .string(let text) = value else { throw refuse("expected a string, not \(kind)") }
        return text
    }

    func optionalString() throws -> String? { isPresent ? try string() : nil }

    /// A string that must not be empty, for names and ids.
    func name() throws -> String {
        let text = try string()
        guard !text.isEmpty else { throw refuse("must not be empty") }
        return text
    }

    func number() throws -> Double {
        guard let number = value.doubleValue, number.isFinite else {
            throw refuse("expected a finite number, not \(kind)")
        }
        return number
    }

    /// A JSON object; an empty table passes, since `{}` and `[]` decode alike.
    func object() throws -> LuaTable {
        guard isPresent else { throw refuse("missing") }
        guard let table = value.tableValue, table.array.isEmpty else { throw refuse("expected an object, not \(kind)") }
        return table
    }

    func list() throws -> [EventField] {
        guard isPresent else { throw refuse("missing") }
        guard let table = value.tableValue, table.fields.isEmpty else { throw refuse("expected a list, not \(kind)") }
        return table.array.enumerated().map { EventField(value: $1, path: "\(path)[\($0)]") }
    }

    func optionalList() throws -> [EventField] { isPresent ? try list() : [] }

    /// An object whose members are all strings (labels, annotations, dimensions).
    func stringMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for key in try object().fields.keys {
            guard let name = key.stringValue else { throw refuse("expected string keys") }
            map[name] = try self[name].string()
        }
        return map
    }

    func optionalStringMap() throws -> [String: String] { isPresent ? try stringMap() : [:] }

    /// JSON nested in a string member (SNS `Message`, `reasonData`), read with the same strictness.
    func nestedJSON() throws -> EventField {
        EventField(value: try AlarmEvents.decodeJSON(Array(try string().utf8), field: path), path: path)
    }

    /// What the value is, in JSON's words, for messages.
    private var kind: String {
        switch value {
        case .table(let table): table.array.isEmpty ? "an object" : "a list"
        case .integer, .number: "a number"
        default: "a \(value.typeName)"
        }
    }
}
