import LuaKit

/// Turns `--param k=v` text and a params file into the typed table a runbook's `run` gets.
enum ParamBinder {
    /// Binds values to the declarations: params-file values first, command-line values over them,
    /// then defaults. Every error names the parameter and says what to pass instead.
    static func bind(_ specs: [ParamSpec], arguments: [String], file: LuaValue?) throws -> LuaTable {
        let known = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        let names = specs.map(\.name).joined(separator: ", ")
        func unknown(_ name: String, _ origin: String) -> RunbookError {
            RunbookError(
                .invalid, "\(origin): the runbook has no parameter '\(name)'",
                hint: specs.isEmpty ? "this runbook takes no parameters" : "its parameters are: \(names)")
        }
        var values: [String: LuaValue] = [:]
        if let file {
            guard let table = file.tableValue, table.array.isEmpty else {
                throw RunbookError(.invalid, "params file: expected a JSON object of parameter names to values")
            }
            for (key, value) in table.fields {
                guard let name = key.stringValue, let spec = known[name] else { throw unknown("\(key)", "params file") }
                values[name] = try check(value, as: spec.type, name: name, choices: spec.choices, secret: spec.secret)
            }
        }
        var listsFromArguments: Set<String> = []
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw RunbookError(.invalid, "--param '\(argument)' is not NAME=VALUE", hint: "write --param cluster_arn=arn:aws:kafka:...")
            }
            let name = String(argument[..<equals])
            let text = String(argument[argument.index(after: equals)...])
            guard let spec = known[name] else { throw unknown(name, "--param \(name)") }
            let value = try parse(text, as: spec.type, name: name, choices: spec.choices, secret: spec.secret)
            // A repeated list parameter adds to the list: --param broker=1 --param broker=2.
            if spec.type == .list, listsFromArguments.contains(name), case .table(var existing) = values[name] ?? .nil,
                let more = value.tableValue
            {
                existing.array += more.array
                values[name] = .table(existing)
            } else {
                values[name] = value
            }
            listsFromArguments.insert(name)
        }
        var table = LuaTable()
        for spec in specs {
            if let value = values[spec.name] ?? spec.defaultValue {
                table.fields[.string(spec.name)] = value
            } else if spec.required {
                throw RunbookError(
                    .invalid, "missing required parameter '\(spec.name)'" + (spec.doc.isEmpty ? "" : " (\(spec.doc))"),
                    hint: "pass --param \(spec.name)=\(placeholder(spec.type))")
            }
        }
        return table
    }

    /// Converts command-line text to the declared type.
    ///
    /// - Parameter secret: the parameter is secret: no error echoes its value.
    static func parse(_ text: String, as type: ParamType, name: String, choices: [String]?, secret: Bool = false) throws -> LuaValue {
        func wrong() -> RunbookError {
            RunbookError(.invalid, "parameter '\(name)' must be \(describe(type)), got " + (secret ? "another value (not shown: it is secret)" : "'\(text)'"),
                         hint: "pass --param \(name)=\(placeholder(type))")
        }
        let value: LuaValue
        switch type {
        case .string: value = .string(text)
        case .number:
            guard let d = Double(text.trimmingSpaces), d.isFinite else { throw wrong() }
            value = .number(d)
        case .integer:
            guard let i = Int64(text.trimmingSpaces) else { throw wrong() }
            value = .integer(i)
        case .boolean:
            switch text.trimmingSpaces.lowercased() {
            case "true", "yes", "1", "on": value = true
            case "false", "no", "0", "off": value = false
            default: throw wrong()
            }
        case .list:
            // A JSON array carries items that hold commas themselves: --param ids='["a,b","c"]'.
            if text.trimmingSpaces.hasPrefix("[") {
                guard let array = try? StrictJSON.decode(text.utf8), case .table(let table) = array, table.fields.isEmpty else {
                    throw RunbookError(.invalid, "parameter '\(name)' must be a JSON array of strings or A,B,C" + (secret ? "" : "; got '\(text)'"),
                                       hint: "pass --param \(name)='[\"a\",\"b\"]' or --param \(name)=a,b")
                }
                value = .table(table)
            } else {
                let items = text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
                value = .table(LuaTable(array: items.map(LuaValue.string)))
            }
        }
        return try check(value, as: type, name: name, choices: choices, secret: secret)
    }

    /// Checks an already typed value (a default or a params-file value) against the declaration.
    static func check(_ value: LuaValue, as type: ParamType, name: String, choices: [String]?, secret: Bool = false) throws -> LuaValue {
        func wrong() -> RunbookError {
            RunbookError(.invalid, "parameter '\(name)' must be \(describe(type)), got \(value.typeName)" + (secret ? "" : " \(value)"))
        }
        let checked: LuaValue
        switch (type, value) {
        case (.string, .string), (.boolean, .boolean), (.integer, .integer): checked = value
        case (.number, .integer(let i)): checked = .number(Double(i))
        case (.number, .number): checked = value
        case (.integer, .number(let d)):
            guard let i = value.intValue else { throw wrong() }
            _ = d
            checked = .integer(i)
        case (.list, .table(let t)) where t.fields.isEmpty && t.array.allSatisfy({ $0.stringValue != nil }):
            checked = value
        default: throw wrong()
        }
        if let choices {
            let items = type == .list ? (checked.tableValue?.array ?? []) : [checked]
            for item in items where !choices.contains(item.stringValue ?? "") {
                throw RunbookError(.invalid, "parameter '\(name)' must be one of \(choices.joined(separator: ", "))" + (secret ? "" : ", got \(item)"))
            }
        }
        return checked
    }

    static func describe(_ type: ParamType) -> String {
        switch type {
        case .string: "a string"
        case .number: "a number"
        case .integer: "an integer"
        case .boolean: "true or false"
        case .list: "a list of strings"
        }
    }

    static func placeholder(_ type: ParamType) -> String {
        switch type {
        case .string: "VALUE"
        case .number: "NUMBER"
        case .integer: "INTEGER"
        case .boolean: "true|false"
        case .list: "A,B,C"
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
