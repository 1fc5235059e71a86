import ArgumentParser
import Foundation
import RunbookEngine

/// Where the guardrails of automated runs keep their state.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state"), help: ArgumentHelp("The guardrail state database (default: $XDG_STATE_HOME/runbook/state.db).", valueName: "path"))
    var path: String?

    /// The store at ``path``, opened (and created) now.
    func store() throws -> SQLiteGuardrailStore {
        let path = path ?? SQLiteGuardrailStore.defaultPath(environment: ProcessInfo.processInfo.environment)
        do { return try SQLiteGuardrailStore(path: path) } catch let error as RunbookError { throw fail(error) }
    }
}
