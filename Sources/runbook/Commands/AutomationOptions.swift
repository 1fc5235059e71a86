import ArgumentParser
import Foundation
import RunbookEngine

/// What commands that start automated runs (`trigger`, `worker`, `serve`) share: the runbooks they route
/// to, whether runs may be live, and where dry runs leave their review documents.
struct AutomationOptions: ParsableArguments {
    @Flag(help: "Run live the runbooks that declare automation.live = true; others stay dry runs.")
    var live = false

    @Option(help: ArgumentHelp("Where dry runs leave their review documents (default: beside the journals).", valueName: "dir"))
    var reportDir: String?

    /// The catalog's valid runbooks; each invalid one is named on standard error.
    ///
    /// - Throws: exit 2 when the folders hold no runbook file: every event would then be
    ///   "no match", which would hide a wrong --runbooks.
    func runbooks(_ catalog: RunbookCatalog, global: GlobalOptions) throws -> [Runbook] {
        let entries = catalog.entries()
        guard !entries.isEmpty else {
            throw fail(RunbookError(.notFound, "no runbook files (*.lua) in \(global.directories.joined(separator: ", "))"))
        }
        var runbooks: [Runbook] = []
        for entry in entries {
            switch entry.result {
            case .success(let runbook): runbooks.append(runbook)
            // An invalid runbook's triggers cannot be read; saying so keeps a "no match" honest.
            case .failure(let error): standardError(UntrustedText.terminalLines("runbook: warning: not routed to, invalid: \(error)") + "\n")
            }
        }
        return runbooks
    }

    /// A dispatcher among `runbooks` on `store`, journaling where every run journals, after it has
    /// reclaimed the runs whose process died (each named on standard error).
    func dispatcher(_ runbooks: [Runbook], engine: Engine, store: any GuardrailStore, global: GlobalOptions) async throws -> AlarmDispatcher {
        var settings = AutomationSettings(journalDirectory: journalDirectory(), reportDirectory: reportDir, runbookDirectories: global.directories)
        settings.live = live
        let dispatcher = AlarmDispatcher(engine: engine, runbooks: runbooks, store: store, settings: settings)
        do {
            for run in try await dispatcher.reclaimInterruptedRuns() {
                standardError(UntrustedText.terminalLines("runbook: run \(run.runID) of \(run.runbook) for \(run.target) was interrupted: \(AlarmDispatcher.interruption(run))") + "\n")
            }
        } catch { throw fail(error) }
        return dispatcher
    }
}
