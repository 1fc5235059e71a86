public import LuaKit

/// A call's arguments after the one checker has checked them against the declaration:
/// defaults filled, ids made strings, option-table fields reachable by name.
///
/// Each accessor names a declared parameter; asking for an undeclared one is an error in
/// the module, reported as such rather than trapping.
public struct Arguments: Sendable {
    /// Name and value pairs: a handful, so a search beats hashing on every call.
    private var entries: [(name: String, value: LuaValue)] = []

    /// The most Lua memory the call's answer may take: what the run's memory limit leaves
    /// free when the call is made; nil without a limit. A function whose answer can be large
    /// checks it while building the answer and throws ``LuaAnswerTooLarge`` past it, so that
    /// a hostile peer cannot make the process hold what the run may not.
    public internal(set) var answerLimit: Int?

    init(capacity: Int) { entries.reserveCapacity(capacity) }

    mutating func set(_ name: String, _ value: LuaValue) {
        if let index = entries.firstIndex(where: { $0.name == name }) { entries[index].value = value } else { entries.append((name, value)) }
    }

    private func value(_ name: String) -> LuaValue? { entries.first { $0.name == name }?.value }

    /// The checked value of `name`; `nil` when left out and without a default.
    public subscript(name: String) -> LuaValue { value(name) ?? .nil }

    /// Whether the call gave `name` (or it has a default).
    public func has(_ name: String) -> Bool { value(name) != nil }

    /// A required string.
    public func string(_ name: String) throws -> String {
        guard let text = value(name)?.stringValue else { throw undeclared(name, "a string") }
        return text
    }

    /// A string that may be absent.
    public func optionalString(_ name: String) -> String? { value(name)?.stringValue }

    /// A required integer.
    public func integer(_ name: String) throws -> Int64 {
        guard let number = value(name)?.intValue else { throw undeclared(name, "an integer") }
        return number
    }

    /// An integer that may be absent.
    public func optionalInteger(_ name: String) -> Int64? { value(name)?.intValue }

    /// A required number.
    public func number(_ name: String) throws -> Double {
        guard let number = value(name)?.doubleValue else { throw undeclared(name, "a number") }
        return number
    }

    /// A number that may be absent.
    public func optionalNumber(_ name: String) -> Double? { value(name)?.doubleValue }

    /// A boolean, `false` when absent.
    public func flag(_ name: String) -> Bool { value(name)?.boolValue ?? false }

    /// A duration in seconds, as checked against its declared range.
    public func duration(_ name: String) throws -> Duration {
        let seconds = try number(name)
        // The declared range keeps this finite and far below Int64's limits.
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// A list of strings (`ids`, or a list of strings).
    public func strings(_ name: String) -> [String] {
        value(name)?.tableValue?.array.compactMap(\.stringValue) ?? []
    }

    /// A table, empty when absent.
    public func table(_ name: String) -> LuaTable { value(name)?.tableValue ?? LuaTable() }

    /// Every argument by name, what a test stubs a call by; an option table's fields stand
    /// for it, so `omitting` names the option tables.
    func named(omitting: Set<String>) -> LuaValue {
        .table(LuaTable(fields: Dictionary(entries.filter { !omitting.contains($0.name) }.map { (LuaValue.string($0.name), $0.value) }) { $1 }))
    }

    private func undeclared(_ name: String, _ what: String) -> LuaHostError {
        LuaHostError("internal error: argument '\(name)' is not declared as \(what)")
    }
}

/// The one argument checker: every declared function's arguments pass here before its body runs.
enum ArgumentChecker {
    /// Checks the arguments of `call` against `parameters`.
    ///
    /// Functions are checked by type and never converted; everything else is copied into Swift.
    ///
    /// - Parameter revealSecrets: secret parameters give their values (for primitives, which send
    ///   them where they belong); otherwise they arrive as the mask.
    static func check(_ call: LuaCall, _ parameters: [Parameter], variadic: Bool, revealSecrets: Bool = false) throws -> Arguments {
        if !variadic, call.count > parameters.count {
            throw LuaHostError("expected at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got \(call.count)")
        }
        var checked = Arguments(capacity: parameters.count + 4)
        checked.answerLimit = call.state.memoryAvailable
        for index in parameters.indices.lazy.map({ $0 + 1 }) {
            let parameter = parameters[index - 1]
            // Functions cannot cross into Swift, and an untouched table need not: both are
            // checked by their Lua type alone.
            let luaType: String? = switch parameter.type {
            case .function: "function"
            case .untouchedTable: "table"
            default: nil
            }
            if let luaType {
                let absent = call.typeName(index) == "nil" || call.typeName(index) == "no value"
                guard call.typeName(index) == luaType || (!parameter.required && absent) else {
                    throw LuaHostError("bad argument #\(index) (\(parameter.name)): expected a \(luaType), got \(call.typeName(index))")
                }
                continue
            }
            let conversion: LuaConversion = if case .anything = parameter.type { .describe } else if revealSecrets { .revealingSecrets } else { .strict }
            let raw: LuaValue
            do {
                raw = try call.value(index, conversion: conversion)
            } catch {
                throw LuaHostError("bad argument #\(index) (\(parameter.name)): \(error)")
            }
            let value: LuaValue
            do {
                value = try checkValue(raw, parameter) { problem in
                    LuaHostError("bad argument #\(index) (\(parameter.name)): \(problem)")
                }
            } catch let problem as Mismatch {
                throw LuaHostError(problem.text)
            }
            if case .options(let fields) = parameter.type, case .table(let table) = value {
                for field in fields {
                    if let given = table.fields[.string(field.name)] { checked.set(field.name, given) }
                }
            }
            if value != .nil { checked.set(parameter.name, value) }
        }
        return checked
    }

    /// Checks one value; `error` wraps a problem with the argument's position.
    static func checkValue(_ value: LuaValue, _ parameter: Parameter, error: (String) -> any Error) throws -> LuaValue {
        if value == .nil {
            if let defaultValue = parameter.defaultValue { return defaultValue }
            if parameter.required {
                if case .options(let fields) = parameter.type, !fields.contains(where: \.required) {
                    return try checkValue(.table(LuaTable()), parameter, error: error)
                }
                throw error("expected \(parameter.type.expectation), got nil")
            }
            if case .options = parameter.type { return try checkValue(.table(LuaTable()), parameter, error: error) }
            return .nil
        }
        do {
            return try conform(value, to: parameter.type)
        } catch let problem as Mismatch where !problem.complete {
            throw error(problem.text)
        }
    }

    /// Why a value does not fit, in words for the message; `complete` when it already names
    /// the option field, so no argument position is put in front.
    struct Mismatch: Error, CustomStringConvertible {
        let text: String
        var complete = false
        var description: String { text }
    }

    static func conform(_ value: LuaValue, to type: ParameterType) throws -> LuaValue {
        func mismatch() -> Mismatch { Mismatch(text: "expected \(type.expectation), got \(shown(value))") }
        switch type {
        case .value, .anything:
            return value
        case .string:
            guard case .string(let text) = value, !text.isEmpty else { throw mismatch() }
            return value
        case .code:
            guard case .string(let text) = value, ParameterType.isCode(text) else { throw mismatch() }
            return value
        case .boolean:
            guard value.boolValue != nil else { throw mismatch() }
            return value
        case .integer(let range):
            guard let number = value.intValue, range.contains(number) else { throw mismatch() }
            return .integer(number)
        case .number(let range), .seconds(let range):
            guard let number = value.doubleValue, number.isFinite, range.contains(number) else { throw mismatch() }
            return value
        case .choice(let names):
            guard let text = value.stringValue, names.contains(text) else { throw mismatch() }
            return value
        case .list(let element):
            guard case .table(let table) = value, table.fields.isEmpty else { throw mismatch() }
            if element.keepsValues {
                // Nothing to convert: check each item's type without copying the list.
                if let offset = table.array.firstIndex(where: { !element.accepts($0) }) {
                    throw Mismatch(text: "item \(offset + 1): expected \(element.expectation), got \(shown(table.array[offset]))")
                }
                return value
            }
            return .table(LuaTable(array: try table.array.enumerated().map { offset, item in
                do { return try conform(item, to: element) } catch let inner as Mismatch {
                    throw Mismatch(text: "item \(offset + 1): \(inner.text)")
                }
            }))
        case .map(let element):
            guard case .table(let table) = value, table.array.isEmpty else { throw mismatch() }
            var result = LuaTable()
            for (key, item) in table.fields {
                guard let name = key.stringValue else { throw Mismatch(text: "keys must be strings, got \(shown(key))") }
                do { result.fields[key] = try conform(item, to: element) } catch let inner as Mismatch {
                    throw Mismatch(text: "\(name): \(inner.text)")
                }
            }
            return .table(result)
        case .table:
            guard case .table = value else { throw mismatch() }
            return value
        case .options(let fields):
            guard case .table(let table) = value else { throw mismatch() }
            let names = Set(fields.map(\.name))
            for key in table.fields.keys.sorted(by: { $0.description < $1.description }) where !names.contains(key.stringValue ?? "") {
                throw Mismatch(text: "unknown option \(shown(key)); options are: \(fields.map(\.name).sorted().joined(separator: ", "))")
            }
            if !table.array.isEmpty { throw Mismatch(text: "options must be named (name = value), got a list") }
            var result = LuaTable()
            for field in fields {
                let given = table.fields[.string(field.name)] ?? .nil
                let checked = try checkValue(given, field) { problem in Mismatch(text: "\(field.name): \(problem)", complete: true) }
                if checked != .nil { result.fields[.string(field.name)] = checked }
            }
            return .table(result)
        case .either(let first, let second):
            if let value = try? conform(value, to: first) { return value }
            if let value = try? conform(value, to: second) { return value }
            throw mismatch()
        case .function, .untouchedTable:
            throw mismatch()
        case .ids:
            let items: [LuaValue]
            switch value {
            case .table(let table) where table.fields.isEmpty && !table.array.isEmpty: items = table.array
            case .string, .integer, .number: items = [value]
            default: throw mismatch()
            }
            return .table(LuaTable(array: try items.map { item in
                switch item {
                case .string(let text) where !text.isEmpty: return .string(text)
                case .integer, .number:
                    guard let id = item.intValue else { throw Mismatch(text: "\(shown(item)) is not an id") }
                    return .string(String(id))
                default: throw Mismatch(text: "\(shown(item)) is not an id")
                }
            }))
        }
    }

    /// A value as a message shows it: short, and never more than a line.
    static func shown(_ value: LuaValue) -> String {
        switch value {
        case .table: return "a table"
        case .nil: return "nil"
        default:
            let text = value.description
            return text.count > 60 ? String(text.prefix(57)) + "..." : text
        }
    }
}

extension ParameterType {
    /// Types whose accepted values pass through unchanged, so a list of them need not be copied.
    var keepsValues: Bool {
        switch self {
        case .value, .anything, .table, .boolean, .string: true
        default: false
        }
    }

    /// Whether `value` fits a type that ``keepsValues``.
    func accepts(_ value: LuaValue) -> Bool {
        switch (self, value) {
        case (.value, _), (.anything, _), (.table, .table), (.boolean, .boolean): true
        case (.string, .string(let text)): !text.isEmpty
        default: false
        }
    }

    /// What a message says was expected.
    var expectation: String {
        switch self {
        case .value, .anything: "a value"
        case .string: "a non-empty string"
        case .code: "a code of lower-case letters and digits in words joined by single hyphens, starting with a letter, at most \(ParameterType.codeLimit) characters (\"sg-open-world\")"
        case .boolean: "true or false"
        case .integer(let range): range == Int64.min...Int64.max ? "an integer" : "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .number(let range): range == ParameterType.anyNumber ? "a number" : "a number from \(formatBound(range.lowerBound)) to \(formatBound(range.upperBound))"
        case .seconds(let range): "a number of seconds from \(formatBound(range.lowerBound)) to \(formatBound(range.upperBound))"
        case .choice(let names): "one of " + names.map { "\"\($0)\"" }.joined(separator: ", ")
        case .list(let element): "a list of \(element.expectationNoun)"
        case .map(let element): "a table of names to \(element.expectationNoun)"
        case .table, .options: "a table"
        case .either(let a, let b): "\(a.expectation) or \(b.expectation)"
        case .function: "a function"
        case .untouchedTable: "a table"
        case .ids: "an id or a list of ids"
        }
    }

    private var expectationNoun: String {
        switch self {
        case .string: "strings"
        case .integer: "integers"
        case .number, .seconds: "numbers"
        case .boolean: "booleans"
        case .table, .options, .map, .list: "tables"
        default: "values"
        }
    }
}
