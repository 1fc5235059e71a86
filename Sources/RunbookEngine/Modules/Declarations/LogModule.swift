import LuaKit

extension LuaModule {
    /// `log`: journal lines at the current step.
    static let log = LuaModule("log", doc: "Journal lines at the current step, shown on the terminal and in the report.",
                               functions: ["info", "warn", "error"].map(logFunction))

    private static func logFunction(_ level: String) -> ModuleFunction {
        .host(level, parameters: [
            .optional("message", .anything, "What happened"),
            .optional("fields", .anything, "A table of details, journaled as they are"),
        ], returns: .none, doc: "A `\(level)` line in the journal.", example: #"log.\#(level)("broker 2 is slow", { p99_ms = 840 })"#) { arguments, host in
            let message = arguments["message"].plainText
            let fields = arguments["fields"]
            let step = host.context.currentStep(of: host.call.task)
            host.context.journal?.record(.log) {
                $0.level = level
                $0.message = message
                $0.step = step
                $0.detail = fields == .nil ? nil : fields
            }
            return .none
        }
    }
}
