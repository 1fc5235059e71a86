import LuaKit

/// Turns the table a runbook file returns into a ``Runbook``, or explains what is wrong.
struct RunbookValidator {
    /// `file:line` of the `runbook { ... }` call, or the file alone.
    let location: String
    let file: String
    let sha256: String

    static let topLevelFields: Set<String> = ["name", "version", "description", "params", "triggers", "limits", "run"]
    static let paramFields: Set<String> = ["type", "required", "default", "doc", "choices", "secret"]
    static let triggerFields: Set<String> = ["namespace", "metric", "alarm", "dimensions", "params"]
    static let triggerSources = ["dimension:", "alarm:", "metric:", "value:"]
    static let limitFields: Set<String> = ["timeout", "memory_mb", "instructions"]

    func validate(_ value: LuaValue, runIsFunction: Bool) throws -> Runbook {
        guard let table = value.tableValue else {
            throw invalid("the file must return a runbook table (`return runbook { name = ..., run = function(p) ... end }`), not a \(value.typeName)")
        }
        try checkKeys(table, allowed: Self.topLevelFields, what: "runbook")
        guard let name = value["name"].stringValue, !name.isEmpty else { throw invalid("`name` must be a non-empty string") }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
            name.first?.isLetter == true
        else {
            throw invalid("name '\(name)' may hold only letters, digits, '.', '_' and '-', and must start with a letter")
        }
        guard let versionText = value["version"].stringValue else {
            throw invalid("`version` must be a string such as \"1.0.0\"")
        }
        guard let version = SemanticVersion(versionText) else {
            throw invalid("version '\(versionText)' is not a semantic version (MAJOR.MINOR.PATCH, e.g. \"1.2.0\")")
        }
        guard let description = value["description"].stringValue, !description.isEmpty else {
            throw invalid("`description` must be a non-empty string saying what the runbook is for")
        }
        guard runIsFunction else { throw invalid("`run` must be a function: run = function(p) ... end") }
        return Runbook(
            name: name, version: version, description: description,
            params: try params(value["params"]), triggers: try triggers(value["triggers"], params: value["params"]),
            limits: try limits(value["limits"]), file: file, sha256: sha256)
    }

    private func invalid(_ message: String) -> RunbookError {
        RunbookError(.invalid, "\(location): \(message)")
    }

    private func checkKeys(_ table: LuaTable, allowed: Set<String>, what: String) throws {
        for key in table.fields.keys {
            guard let name = key.stringValue else { throw invalid("\(what) has a non-string key \(key)") }
            guard allowed.contains(name) else {
                let suggestion = allowed.min { editDistance($0, name) < editDistance($1, name) }
                let hint = suggestion.map { editDistance($0, name) <= 2 ? " (did you mean '\($0)'?)" : "" } ?? ""
                throw invalid("\(what) has an unknown field '\(name)'\(hint); known fields: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        if !table.array.isEmpty { throw invalid("\(what) has list entries; expected only named fields") }
    }

    private func params(_ value: LuaValue) throws -> [ParamSpec] {
        if value == .nil { return [] }
        guard let table = value.tableValue, table.array.isEmpty else {
            throw invalid("`params` must be a table of name = { type = ..., doc = ... }")
        }
        return try table.fields.map { key, declaration in
            guard let name = key.stringValue, isIdentifier(name) else {
                throw invalid("parameter name \(key) must be a Lua identifier (letters, digits, _)")
            }
            guard let fields = declaration.tableValue else {
                throw invalid("parameter '\(name)' must be a table such as { type = \"string\", doc = \"...\" }")
            }
            try checkKeys(fields, allowed: Self.paramFields, what: "parameter '\(name)'")
            guard let typeName = declaration["type"].stringValue, let type = ParamType(rawValue: typeName) else {
                throw invalid("parameter '\(name)' has type \(declaration["type"]); use one of: \(ParamType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let required = declaration["required"]
            guard required == .nil || required.boolValue != nil else {
                throw invalid("parameter '\(name)': `required` must be true or false")
            }
            let secret = declaration["secret"]
            guard secret == .nil || secret.boolValue != nil else {
                throw invalid("parameter '\(name)': `secret` must be true or false")
            }
            let doc = declaration["doc"]
            guard doc == .nil || doc.stringValue != nil else { throw invalid("parameter '\(name)': `doc` must be a string") }
            var choices: [String]?
            if declaration["choices"] != .nil {
                guard let list = declaration["choices"].tableValue, list.fields.isEmpty, !list.array.isEmpty,
                    list.array.allSatisfy({ $0.stringValue != nil })
                else { throw invalid("parameter '\(name)': `choices` must be a list of strings") }
                choices = list.array.compactMap(\.stringValue)
            }
            var defaultValue: LuaValue?
            if declaration["default"] != .nil {
                do {
                    defaultValue = try ParamBinder.check(declaration["default"], as: type, name: name, choices: choices,
                                                         secret: secret.boolValue ?? false)
                } catch let error as RunbookError {
                    throw invalid("default of \(error.message)")
                }
            }
            return ParamSpec(
                name: name, type: type, required: required.boolValue ?? false, defaultValue: defaultValue,
                doc: doc.stringValue ?? "", choices: choices, secret: secret.boolValue ?? false)
        }.sorted { $0.name < $1.name }
    }

    private func triggers(_ value: LuaValue, params: LuaValue) throws -> [Trigger] {
        if value == .nil { return [] }
        guard let list = value.tableValue, list.fields.isEmpty else {
            throw invalid("`triggers` must be a list: triggers = { { namespace = ..., metric = ..., params = { ... } } }")
        }
        return try list.array.enumerated().map { offset, entry in
            let what = "trigger #\(offset + 1)"
            guard let fields = entry.tableValue else { throw invalid("\(what) must be a table") }
            try checkKeys(fields, allowed: Self.triggerFields, what: what)
            for field in ["namespace", "metric", "alarm"] where entry[field] != .nil && entry[field].stringValue == nil {
                throw invalid("\(what): `\(field)` must be a string")
            }
            guard entry["alarm"] != .nil || (entry["namespace"] != .nil && entry["metric"] != .nil) else {
                throw invalid("\(what) needs `namespace` and `metric`, or `alarm`")
            }
            var sources: [String: String] = [:]
            if let mapping = entry["params"].tableValue {
                for (key, source) in mapping.fields {
                    guard let param = key.stringValue, params[param] != .nil else {
                        throw invalid("\(what) fills parameter \(key), which the runbook does not declare")
                    }
                    guard let text = source.stringValue, Self.triggerSources.contains(where: text.hasPrefix) else {
                        throw invalid("\(what): the source of '\(param)' must start with one of \(Self.triggerSources.joined(separator: ", ")) (e.g. \"dimension:Cluster Name\")")
                    }
                    sources[param] = text
                }
            } else if entry["params"] != .nil {
                throw invalid("\(what): `params` must be a table of parameter = source")
            }
            return Trigger(namespace: entry["namespace"].stringValue, metric: entry["metric"].stringValue,
                           alarm: entry["alarm"].stringValue, params: sources)
        }
    }

    private func limits(_ value: LuaValue) throws -> RunbookLimits {
        if value == .nil { return RunbookLimits() }
        guard let table = value.tableValue else { throw invalid("`limits` must be a table") }
        try checkKeys(table, allowed: Self.limitFields, what: "limits")
        var limits = RunbookLimits()
        if value["timeout"] != .nil {
            guard let seconds = value["timeout"].doubleValue, RunbookLimits.timeoutRange.contains(seconds) else {
                throw invalid("limits.timeout must be a number of seconds from 0.001 to \(Int(RunbookLimits.timeoutRange.upperBound)) (7 days), got \(value["timeout"])")
            }
            limits.timeout = seconds
        }
        if value["memory_mb"] != .nil {
            guard let mib = value["memory_mb"].intValue, mib > 0, mib <= 4096 else { throw invalid("limits.memory_mb must be an integer from 1 to 4096") }
            limits.memoryMiB = Int(mib)
        }
        if value["instructions"] != .nil {
            guard let count = value["instructions"].intValue, RunbookLimits.instructionRange.contains(count) else {
                throw invalid("limits.instructions must be an integer from 1 to \(RunbookLimits.instructionRange.upperBound), got \(value["instructions"])")
            }
            limits.instructions = count
        }
        return limits
    }
}

func isIdentifier(_ name: String) -> Bool {
    guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
    return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
