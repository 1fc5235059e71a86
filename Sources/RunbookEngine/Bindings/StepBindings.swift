import LuaKit

/// The functions behind `step`, `parallel`, `each`, `fail`, `finding`, `log` and `sleep`.
/// Control flow (pcall, retries) lives in the Lua prelude, because Swift must never
/// call Lua; these host functions do the bookkeeping and the waiting.
enum StepBindings {
    static let severities = ["info", "low", "medium", "high", "critical"]
    static let stepOptions: Set<String> = ["timeout", "retries", "backoff", "continue_on_error"]

    /// Functions only the prelude calls, passed to it as the `host` table.
    static func internals(_ context: RunContext) -> [LuaHostFunction] {
        [
            LuaHostFunction("step") { call in
                try context.requireRunning("step")
                guard let task = call.task else {
                    throw LuaHostError("cannot run inside a coroutine made with coroutine.create; use parallel() or each()")
                }
                let name = try call.string(1, "name")
                let options = try call.optionalTable(2, "options")
                for key in options.fields.keys where !stepOptions.contains(key.stringValue ?? "") {
                    throw LuaHostError("unknown step option \(key); options are: \(stepOptions.sorted().joined(separator: ", "))")
                }
                let value = LuaValue.table(options)
                let timeout = try positive(value["timeout"], "timeout")
                let retries = value["retries"] == .nil ? 0 : value["retries"].intValue ?? -1
                guard (0...100).contains(retries) else { throw LuaHostError("step option retries must be an integer from 0 to 100") }
                let backoff = try positive(value["backoff"], "backoff") ?? 1
                let continueOnError = value["continue_on_error"]
                guard continueOnError == .nil || continueOnError.boolValue != nil else {
                    throw LuaHostError("step option continue_on_error must be true or false")
                }
                let index = context.beginStep(name: name, task: task, timeout: timeout, location: call.location)
                return .values([.integer(Int64(index)), .integer(retries), .number(backoff),
                                timeout.map(LuaValue.number) ?? .nil, .boolean(continueOnError.boolValue ?? false)])
            },
            LuaHostFunction("attempt_begin") { call in
                let index = try call.number(1, "step")
                if let task = call.task, let timeout = context.openSteps[Int(index)]?.timeout {
                    call.state.scheduler?.pushDeadline(on: task, seconds: timeout)
                }
                return .none
            },
            LuaHostFunction("attempt_end") { call in
                let index = try call.number(1, "step")
                guard let task = call.task, context.openSteps[Int(index)]?.timeout != nil else { return .values([false]) }
                return .values([.boolean(call.state.scheduler?.popDeadline(on: task) ?? false)])
            },
            LuaHostFunction("retry") { call in
                context.retryStep(Int(try call.number(1, "step")), attempt: Int(try call.number(2, "attempt")),
                                  error: try call.string(3, "error"), delay: try call.number(4, "delay"))
                return .none
            },
            LuaHostFunction("step_end") { call in
                let index = Int(try call.number(1, "step"))
                let status = try call.string(2, "status")
                let attempts = Int(try call.number(3, "attempts"))
                let error = try call.value(4).stringValue
                var results: [LuaValue] = []
                if call.count > 4 {
                    // A result the journal cannot hold (a cycle, deep nesting) must not fail a step that passed.
                    for i in 5...call.count { results.append((try? call.value(i, conversion: .describe)) ?? .string("<not journaled>")) }
                }
                context.endStep(index, status: status, attempts: attempts, error: error,
                                result: status == "ok" ? summarize(results) : nil)
                return .none
            },
            LuaHostFunction("fail") { call in
                let message = (call.location.map { "\($0): " } ?? "") + (try call.value(1, conversion: .describe).plainText)
                context.failure = message
                return .values([.string(message)])
            },
            LuaHostFunction("spawn") { call in
                try context.requireRunning("parallel")
                guard let scheduler = call.state.scheduler else { throw LuaHostError("no scheduler") }
                return .values([.integer(Int64(try scheduler.spawn(from: call, functionAt: 1).rawValue))])
            },
            LuaHostFunction("join") { call in
                let ids = try call.optionalTable(1, "tasks").array.compactMap(\.intValue).map { LuaTaskID(rawValue: Int($0)) }
                return .suspend(.join(ids))
            },
        ]
    }

    /// Functions runbooks call by name.
    static func globals(_ context: RunContext) -> [LuaHostFunction] {
        [
            // A host function, not Lua: `return runbook { ... }` is a tail call, and only
            // a C callee still sees the calling line of the file.
            LuaHostFunction("runbook") { call in
                context.definitionLocation = call.location
                return .arguments
            },
            LuaHostFunction("finding") { call in
                try context.requireRunning("finding")
                let finding = try call.value(1, conversion: .describe)
                guard finding.tableValue != nil else { throw call.badArgument(1, "finding", "a table {severity=, summary=, detail=}") }
                let severity = finding["severity"].stringValue ?? "info"
                guard severities.contains(severity) else {
                    throw LuaHostError("severity must be one of \(severities.joined(separator: ", ")), got \(finding["severity"])")
                }
                guard let summary = finding["summary"].stringValue, !summary.isEmpty else {
                    throw LuaHostError("summary must be a non-empty string")
                }
                context.countFinding()
                let step = context.currentStep(of: call.task)
                let location = call.location
                context.journal?.record(.finding) {
                    $0.step = step
                    $0.severity = severity
                    $0.summary = summary
                    $0.detail = finding["detail"] == .nil ? nil : finding["detail"]
                    $0.location = location
                }
                return .none
            },
            LuaHostFunction("sleep") { call in
                try context.requireRunning("sleep")
                let seconds = try call.number(1, "seconds")
                guard seconds >= 0, seconds <= 86_400 else { throw LuaHostError("seconds must be from 0 to 86400, got \(seconds)") }
                return .suspend(.work {
                    try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                    return []
                })
            },
        ]
    }

    /// `log.info`, `log.warn`, `log.error`: a journal line at the current step.
    static func log(_ context: RunContext) -> [LuaHostFunction] {
        ["info", "warn", "error"].map { level in
            LuaHostFunction("log.\(level)") { call in
                try context.requireRunning("log.\(level)")
                let message = try call.value(1, conversion: .describe).plainText
                let fields = try call.value(2, conversion: .describe)
                let step = context.currentStep(of: call.task)
                context.journal?.record(.log) {
                    $0.level = level
                    $0.message = message
                    $0.step = step
                    $0.detail = fields == .nil ? nil : fields
                }
                return .none
            }
        }
    }

    private static func positive(_ value: LuaValue, _ name: String) throws -> Double? {
        if value == .nil { return nil }
        guard let d = value.doubleValue, d > 0, d.isFinite else {
            throw LuaHostError("step option \(name) must be a positive number of seconds, got \(value)")
        }
        return d
    }
}

/// Step results as the journal keeps them: whole when small, described when large.
func summarize(_ results: [LuaValue]) -> LuaValue? {
    if results.isEmpty { return nil }
    let value: LuaValue = results.count == 1 ? results[0] : .table(LuaTable(array: results))
    return value.approximateSize <= 4096 ? value : .string("<\(value.typeName), \(value.approximateSize) bytes; not journaled>")
}

extension LuaValue {
    /// The text a person expects from `tostring` for strings and numbers.
    var plainText: String {
        switch self {
        case .string(let s): s
        case .integer(let i): String(i)
        case .number(let d): "\(d)"
        case .nil: "nil"
        default: description
        }
    }

    /// Roughly the bytes this value takes as JSON.
    var approximateSize: Int {
        switch self {
        case .nil, .boolean: 5
        case .integer, .number: 12
        case .string(let s): s.utf8.count + 2
        case .table(let t):
            t.array.reduce(2) { $0 + $1.approximateSize + 1 }
                + t.fields.reduce(0) { $0 + $1.key.approximateSize + $1.value.approximateSize + 2 }
        }
    }
}
