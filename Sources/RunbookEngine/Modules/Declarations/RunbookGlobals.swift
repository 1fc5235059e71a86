import LuaKit

extension LuaModule {
    /// The runbook API's globals: steps, concurrency, findings, failing and waiting.
    ///
    /// `step`, `parallel`, `each`, `fail` and `print` are Lua (Modules/Lua/runbook.lua),
    /// because they call Lua functions and Swift may not; their bookkeeping is ``engineInternals``.
    static let globals = LuaModule(nil, doc: "The runbook API: steps, concurrency, findings, failing and waiting.", functions: [
        .host("runbook", parameters: [.required("definition", .untouchedTable, "The runbook's metadata and `run` function")],
              returns: .any, doc: "Declares a runbook; the file returns its result. Records the line, so metadata errors point at it.",
              example: #"return runbook { name = "msk.high-cpu", version = "1.2.0", run = function(p) end }"#, duringLoad: true) { _, host in
            // Checked by RunbookValidator once the file returns; here only the line is kept,
            // which a C callee still sees in `return runbook { ... }` (a tail call).
            host.context.definitionLocation = host.call.location
            return .arguments
        },
        .lua("step", parameters: [
            .required("name", .string, "What the step does, as the journal and the terminal show it"),
            .optional("options", .options(stepOptions), "How the step runs"),
            .required("fn", .function, "The step's body; its results are the step's"),
        ], returns: .any,
             doc: "Runs `fn` as a numbered, journaled step and returns its values; steps nest.",
             example: #"local cluster = step("Describe cluster", { timeout = 30, retries = 2 }, function() return kafka.describe_cluster(p.cluster_arn) end)"#),
        .lua("parallel", parameters: [.required("...", .function, "The branches")], variadic: true, returns: .any,
             doc: "Runs the functions concurrently and returns their first results in order; raises one error naming each failed branch.",
             example: "local a, b = parallel(function() return probe.tcp(x) end, function() return probe.tcp(y) end)"),
        .lua("each", parameters: [
            .required("list", .list(.value), "The items"),
            .required("fn", .function, "Called as `fn(item, index)`"),
            .optional("options", .options([
                .optional("concurrency", .integer(1...10_000), default: 32, "How many items run at once"),
                .optional("collect", .boolean, default: false, "Return `results, errors` instead of raising"),
            ]), "How to run"),
        ], returns: .values([.list(.any), .optional(.list(.string))]),
             doc: "Calls `fn(item, index)` for each item, `concurrency` at a time, and returns the results in order.",
             example: "local results = each(brokers, function(b) return probe.tcp { host = b.host, port = 9094 } end, { concurrency = 8 })"),
        .lua("fail", parameters: [.required("message", .anything, "Why")], returns: .none,
             doc: "Ends the run as failed (exit 1) with the message and its line; inside a step with retries it is a failed attempt.",
             example: #"fail("cluster is not ACTIVE")"#),
        .lua("print", parameters: [.optional("...", .anything, "Values")], variadic: true, returns: .none,
             doc: "`log.info` of the values, tab-separated.", example: #"print("brokers:", #brokers)"#),
        .host("finding", parameters: [
            .required("finding", .options([
                .optional("severity", .choice(severities), default: "info", "How bad"),
                .required("summary", .string, "One line a person reads first"),
                .optional("detail", .anything, "A table or text with the evidence"),
                .optional("code", .code, "A stable id for what was found, like a linter's rule id (`sg-open-world`): keep it across versions, since tests, reports and alarm routing rely on it"),
            ]), "What was found"),
        ], returns: .none, doc: "Reports a finding: on the terminal, in the journal and in the report, with its code when it has one.",
              example: #"finding { severity = "high", code = "broker-unreachable", summary = "broker 2 refuses connections" }"#) { arguments, host in
            let (severity, summary) = (try arguments.string("severity"), try arguments.string("summary"))
            let (detail, code) = (arguments["detail"], arguments.optionalString("code"))
            host.context.countFinding()
            let step = host.context.currentStep(of: host.call.task)
            let location = host.call.location
            host.context.journal?.record(.finding) {
                $0.step = step
                $0.severity = severity
                $0.summary = summary
                $0.detail = detail == .nil ? nil : detail
                $0.code = code
                $0.location = location
            }
            return .none
        },
        .host("summary_table", parameters: [
            .required("table", .options([
                .optional("title", .string, "What the table shows"),
                .required("columns", .list(.string), "The column headings, at most \(SummaryTable.maximumColumns)"),
                .required("rows", .list(.value), "The rows, at most \(SummaryTable.maximumRows): each a list of cells in column order, or a table keyed by heading"),
            ]), "The table"),
        ], returns: .none, doc: """
            Shows a table of what the run found (a verdict per broker, a check per line): on the terminal, in the journal \
            (a `table` line) and in the report. Cells are shown as text; a missing cell is empty, and a cell past \
            \(SummaryTable.maximumCellCharacters) characters is cut.
            """,
              example: #"summary_table { title = "Brokers", columns = { "broker", "tcp", "verdict" }, rows = { { "1", "ok", "healthy" } } }"#) { arguments, host in
            let table = try SummaryTable(title: arguments.optionalString("title"), columns: arguments.strings("columns"),
                                         rows: arguments.table("rows").array)
            let step = host.context.currentStep(of: host.call.task)
            host.context.journal?.record(.table) {
                $0.step = step
                $0.name = table.title
                $0.columns = table.columns
                $0.rows = table.rows
            }
            return .none
        },
        .host("sleep", parameters: [.required("seconds", .seconds(0...86_400), "How long")], returns: .none,
              doc: "Waits without blocking other branches; honours step timeouts, the run's deadline and cancel.",
              example: "sleep(5)") { arguments, _ in
            let duration = try arguments.duration("seconds")
            return .suspend(.work {
                try await Task.sleep(for: duration)
                return []
            })
        },
    ], source: String(decoding: PackageResources.runbook_lua, as: UTF8.self))

    static let severities = ["info", "low", "medium", "high", "critical"]

    static let stepOptions: [Parameter] = [
        .optional("timeout", .seconds(0.001...86_400), "Seconds per attempt; cuts waiting and busy code alike"),
        .optional("retries", .integer(0...100), default: 0, "Attempts after the first"),
        .optional("backoff", .seconds(0.001...300), default: 1, "The first delay between attempts, doubling, at most 300 s"),
        .optional("continue_on_error", .boolean, default: false, "Return `nil, message` instead of failing the run"),
    ]
}
