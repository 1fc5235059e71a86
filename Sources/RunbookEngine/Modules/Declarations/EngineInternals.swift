import LuaKit

extension LuaModule {
    /// The engine's side of the Lua runbook API (Modules/Lua/runbook.lua): step bookkeeping,
    /// deadlines, tasks. Passed to module sources as `host`, never to runbooks, and not
    /// documented; declared here so its arguments pass the one checker too.
    static let engineInternals = LuaModule("host", doc: "", functions: [
        .host("step", parameters: [
            .required("name", .string, ""), .optional("options", .options(stepOptions), ""),
        ], returns: .values([.integer, .integer, .number, .optional(.number), .boolean]), doc: "", example: "") { arguments, host in
            guard let task = host.call.task else {
                throw LuaHostError("cannot run inside a coroutine made with coroutine.create; use parallel() or each()")
            }
            try host.context.requireRunning()
            let timeout = arguments.optionalNumber("timeout")
            let index = host.context.beginStep(name: try arguments.string("name"), task: task, timeout: timeout, location: host.call.location)
            return .values([.integer(Int64(index)), .integer(try arguments.integer("retries")), .number(try arguments.number("backoff")),
                            timeout.map(LuaValue.number) ?? .nil, .boolean(arguments.flag("continue_on_error"))])
        },
        .host("attempt_begin", parameters: [stepIndex], returns: .none, doc: "", example: "") { arguments, host in
            if let task = host.call.task, let timeout = host.context.openSteps[try index(arguments)]?.timeout {
                host.call.state.scheduler?.pushDeadline(on: task, seconds: timeout)
            }
            return .none
        },
        .host("attempt_end", parameters: [stepIndex], returns: .boolean, doc: "", example: "") { arguments, host in
            guard let task = host.call.task, host.context.openSteps[try index(arguments)]?.timeout != nil else { return .values([false]) }
            return .values([.boolean(host.call.state.scheduler?.popDeadline(on: task) ?? false)])
        },
        .host("retry", parameters: [
            stepIndex, .required("attempt", .integer(1...1000), ""), .required("error", .anything, ""),
            .required("delay", .seconds(0...300), ""),
        ], returns: .none, doc: "", example: "") { arguments, host in
            host.context.retryStep(try index(arguments), attempt: Int(try arguments.integer("attempt")),
                                   error: arguments["error"].plainText, delay: try arguments.number("delay"))
            return .none
        },
        .host("step_end", parameters: [
            stepIndex, .required("status", .choice(StepStatus.allCases.map(\.rawValue)), ""),
            .required("attempts", .integer(1...1000), ""), .optional("error", .anything, ""),
        ], variadic: true, returns: .none, doc: "", example: "") { arguments, host in
            let status = StepStatus(rawValue: try arguments.string("status")) ?? .failed
            var results: [LuaValue] = []
            if host.call.count > 4 {
                // A result the journal cannot hold (a cycle, deep nesting) must not fail a step that passed.
                for i in 5...host.call.count {
                    results.append((try? host.call.value(i, conversion: .describe)) ?? .string("<not journaled>"))
                }
            }
            host.context.endStep(try index(arguments), status: status, attempts: Int(try arguments.integer("attempts")),
                                 error: arguments["error"].stringValue, result: status == .ok ? summarize(results) : nil)
            return .none
        },
        .host("fail", parameters: [.optional("message", .anything, "")], returns: .string, doc: "", example: "") { arguments, host in
            let message = (host.call.location.map { "\($0): " } ?? "") + arguments["message"].plainText
            host.context.failure = message
            return .values([.string(message)])
        },
        .host("spawn", parameters: [.required("fn", .function, "")], returns: .integer, doc: "", example: "") { _, host in
            try host.context.requireRunning()
            guard let scheduler = host.call.state.scheduler else { throw LuaHostError("no scheduler") }
            return .values([.integer(Int64(try scheduler.spawn(from: host.call, functionAt: 1).rawValue))])
        },
        .host("clock", returns: .values([.number, .optional(.number)]), doc: "", example: "") { _, host in
            guard let task = host.call.task, let scheduler = host.call.state.scheduler else {
                throw LuaHostError("cannot run inside a coroutine made with coroutine.create; use parallel() or each()")
            }
            let (now, deadline) = scheduler.clock(of: task)
            return .values([.number(now), deadline.map(LuaValue.number) ?? .nil])
        },
        .host("join", parameters: [.required("tasks", .list(.integer(1...Int64(Int32.max))), "")], returns: .any, doc: "", example: "") { arguments, _ in
            .suspend(.join(arguments.table("tasks").array.compactMap(\.intValue).map { LuaTaskID(rawValue: Int($0)) }))
        },
    ])

    private static let stepIndex = Parameter.required("step", .integer(1...Int64(Int32.max)), "")

    private static func index(_ arguments: Arguments) throws -> Int { Int(try arguments.integer("step")) }
}
