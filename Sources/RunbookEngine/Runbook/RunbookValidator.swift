import LuaKit

/// Turns the table a runbook file returns into a ``Runbook``, or explains what is wrong.
struct RunbookValidator {
    /// `file:line` of the `runbook { ... }` call, or the file alone.
    let location: String
    let file: String
    let sha256: String

    static let topLevelFields: Set<String> = ["name", "version", "description", "params", "triggers", "automation", "limits", "run"]
    static let paramFields: Set<String> = ["type", "required", "default", "doc", "choices", "secret"]
    static let triggerFields: Set<String> = ["source", "namespace", "metric", "alarm", "state", "dimensions", "labels", "params"]
    static let limitFields: Set<String> = ["timeout", "memory_mb", "instructions"]
    static let automationFields: Set<String> = ["target", "cooldown", "max_mutations", "window", "live"]

    func validate(_ value: LuaValue, runIsFunction: Bool) throws -> Runbook {
        guard let table = value.tableValue else {
            throw invalid("the file must return a runbook table (`return runbook { name = ..., run = function(p) ... end }`), not a \(value.typeName)")
        }
        try checkKeys(table, allowed: Self.topLevelFields, what: "runbook")
        guard let name = value["name"].stringValue, !name.isEmpty else { throw invalid("`name` must be a non-empty string") }
        guard Runbook.isValidName(name) else {
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
        let params = try params(value["params"])
        let triggers = try triggers(value["triggers"], params: params)
        return Runbook(
            name: name, version: version, description: description,
            params: params, triggers: triggers, limits: try limits(value["limits"]),
            automation: try automation(value["automation"], params: params, triggers: triggers), file: file, sha256: sha256)
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

    private func triggers(_ value: LuaValue, params: [ParamSpec]) throws -> [Trigger] {
        if value == .nil { return [] }
        guard let list = value.tableValue, list.fields.isEmpty else {
            throw invalid("`triggers` must be a list: triggers = { { namespace = ..., metric = ..., params = { ... } } }")
        }
        return try list.array.enumerated().map { offset, entry in
            let what = "trigger #\(offset + 1)"
            guard let fields = entry.tableValue else { throw invalid("\(what) must be a table") }
            try checkKeys(fields, allowed: Self.triggerFields, what: what)
            for field in ["source", "namespace", "metric", "alarm", "state"] where entry[field] != .nil && entry[field].stringValue == nil {
                throw invalid("\(what): `\(field)` must be a string")
            }
            // Triggers written before Alertmanager existed name no source; they were CloudWatch's.
            let sourceText = entry["source"].stringValue ?? AlarmSource.cloudwatch.rawValue
            guard let source = AlarmSource(rawValue: sourceText) else {
                throw invalid("\(what): `source` must be one of \(AlarmSource.allCases.map(\.rawValue).joined(separator: ", ")), not '\(sourceText)'")
            }
            let dimensions = try globMap(entry["dimensions"], field: "dimensions", what: what)
            let labels = try globMap(entry["labels"], field: "labels", what: what)
            let state: String
            switch source {
            case .cloudwatch:
                guard entry["alarm"] != .nil || (entry["namespace"] != .nil && entry["metric"] != .nil) else {
                    throw invalid("\(what) needs `namespace` and `metric`, or `alarm`")
                }
                guard labels.isEmpty else { throw invalid("\(what): `labels` are Alertmanager's; CloudWatch alarms have `dimensions`") }
                state = entry["state"].stringValue ?? "ALARM"
                guard CloudWatchState.all.contains(state) else {
                    throw invalid("\(what): `state` must be one of \(CloudWatchState.all.joined(separator: ", ")), not '\(state)'")
                }
            case .alertmanager:
                guard entry["alarm"] != .nil || !labels.isEmpty else { throw invalid("\(what) needs `labels` or `alarm`") }
                for field in ["namespace", "metric", "dimensions"] where entry[field] != .nil {
                    throw invalid("\(what): `\(field)` is CloudWatch's; Alertmanager alerts have `labels`")
                }
                // Resolved alerts are recorded and never run, so firing is the only state to match.
                state = entry["state"].stringValue ?? "firing"
                guard state == "firing" else { throw invalid("\(what): an Alertmanager trigger's `state` can only be 'firing'") }
            }
            let sources = try paramSources(entry["params"], source: source, what: what, params: params)
            for param in params where param.required && param.defaultValue == nil && sources[param.name] == nil {
                throw invalid("\(what) does not fill the required parameter '\(param.name)', which has no default")
            }
            return Trigger(source: source, namespace: entry["namespace"].stringValue, metric: entry["metric"].stringValue,
                           alarm: entry["alarm"].stringValue, state: state, dimensions: dimensions, labels: labels,
                           params: sources)
        }
    }

    private func globMap(_ value: LuaValue, field: String, what: String) throws -> [String: String] {
        if value == .nil { return [:] }
        guard let table = value.tableValue, table.array.isEmpty else {
            throw invalid("\(what): `\(field)` must be a table of name = glob, e.g. { [\"Cluster Name\"] = \"*\" }")
        }
        var map: [String: String] = [:]
        for (key, glob) in table.fields {
            guard let name = key.stringValue, let text = glob.stringValue else {
                throw invalid("\(what): `\(field)` must map names to strings, not \(key) = \(glob)")
            }
            map[name] = text
        }
        return map
    }

    private func paramSources(_ value: LuaValue, source: AlarmSource, what: String, params: [ParamSpec]) throws -> [String: String] {
        if value == .nil { return [:] }
        guard let mapping = value.tableValue, mapping.array.isEmpty else {
            throw invalid("\(what): `params` must be a table of parameter = source")
        }
        var sources: [String: String] = [:]
        for (key, sourceValue) in mapping.fields {
            guard let param = key.stringValue, params.contains(where: { $0.name == param }) else {
                throw invalid("\(what) fills parameter \(key), which the runbook does not declare")
            }
            guard let text = sourceValue.stringValue else {
                throw invalid("\(what): the source of '\(param)' must be a string such as \"dimension:Cluster Name\"")
            }
            switch TriggerParamSource.parse(text) {
            case .failure(let problem):
                throw invalid("\(what): the source of '\(param)' \(problem.message) (e.g. \"dimension:Cluster Name\")")
            case .success(let parsed):
                if let only = parsed.onlyFrom, only != source {
                    throw invalid("\(what): the source of '\(param)', '\(text)', comes only from \(only.rawValue) events, and this trigger's source is \(source.rawValue)")
                }
            }
            sources[param] = text
        }
        return sources
    }

    private func automation(_ value: LuaValue, params: [ParamSpec], triggers: [Trigger]) throws -> RunbookAutomation {
        var automation = RunbookAutomation()
        if value == .nil { return automation }
        guard let table = value.tableValue else { throw invalid("`automation` must be a table: automation = { target = \"cluster_name\", cooldown = 900 }") }
        try checkKeys(table, allowed: Self.automationFields, what: "automation")
        if value["target"] != .nil {
            guard let target = value["target"].stringValue, let param = params.first(where: { $0.name == target }) else {
                throw invalid("automation.target must name a declared parameter, not \(value["target"])")
            }
            guard !param.secret else { throw invalid("automation.target '\(target)' is a secret parameter; a target is shown in every decision") }
            // Every alarm-started run needs a target value: from the trigger, else the default.
            for (index, trigger) in triggers.enumerated() where trigger.params[target] == nil && param.defaultValue == nil {
                throw invalid("trigger #\(index + 1) does not fill automation.target '\(target)', which has no default")
            }
            automation.target = target
        }
        func seconds(_ field: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard value[field] != .nil else { return nil }
            guard let seconds = value[field].doubleValue, range.contains(seconds) else {
                throw invalid("automation.\(field) must be a number of seconds from \(Int(range.lowerBound)) to \(Int(range.upperBound)), got \(value[field])")
            }
            return seconds
        }
        if let cooldown = try seconds("cooldown", RunbookAutomation.cooldownRange) { automation.cooldown = cooldown }
        if let window = try seconds("window", RunbookAutomation.windowRange) { automation.window = window }
        if value["max_mutations"] != .nil {
            let range = RunbookAutomation.maxMutationsRange
            guard let count = value["max_mutations"].intValue, range.contains(count) else {
                throw invalid("automation.max_mutations must be an integer from \(range.lowerBound) to \(range.upperBound), got \(value["max_mutations"])")
            }
            automation.maxMutations = Int(count)
        }
        if value["live"] != .nil {
            guard let live = value["live"].boolValue else { throw invalid("automation.live must be true or false, got \(value["live"])") }
            automation.live = live
        }
        return automation
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
