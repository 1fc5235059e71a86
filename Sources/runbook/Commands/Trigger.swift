import ArgumentParser
import Foundation
import LuaKit
import RunbookEngine

extension RunbookCLI {
    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trigger",
            abstract: "Start the runbook an alarm event's triggers name, under the guardrails of automated runs.",
            discussion: """
                Reads one event: an EventBridge "CloudWatch Alarm State Change", an SNS alarm notification
                (enveloped or bare) or an Alertmanager webhook (version 4, each alert its own event). For each,
                it decides: the runbook whose trigger matches (the most specific trigger, then runbook name,
                then trigger position), its parameters from the event, and the guardrails, in order: the
                version approved in runbooks.lock, the pause, the event already handled, a hold left by an
                interrupted run, another run holding the target, the cooldown, and for live runs the budget
                of mutating calls. The decision is journaled whatever it is; `runbook log` shows it.

                Automated runs are dry runs, which leave a review document, unless the runbook declares
                automation.live = true and --live is given.

                Exits with the run's code; 0 when nothing matched or the alert is resolved; 2 for a malformed
                event; 4 when a guardrail refused. With several alerts, the highest of their codes.
                --explain prints the routing only, touching no state and running nothing.
                """)

        @OptionGroup var global: GlobalOptions

        @OptionGroup var state: StateOptions

        @Option(help: "The event's JSON file, or - for standard input.")
        var event: String

        @Flag(help: "Print which runbook each event would start, with which parameters, and run nothing.")
        var explain = false

        @OptionGroup var automation: AutomationOptions

        @Flag(help: "Print the decision and the run as journal JSON lines instead of the human view.")
        var json = false

        func run() async throws {
            let events: [AlarmEvent]
            let catalog = try global.catalog()
            do {
                events = try AlarmEvents.parse(try readEvent())
            } catch let error as AlarmEventError {
                throw fail(RunbookError(.invalid, "malformed event: \(error)"))
            } catch let error as RunbookError { throw fail(error) }
            let runbooks = try automation.runbooks(catalog, global: global)
            if explain { return explainRouting(events, runbooks) }

            let store = try await state.open()
            let dispatcher = try await automation.dispatcher(runbooks, engine: catalog.engine, store: store, global: global)

            let display: [any JournalSink] = json ? [JournalFile(descriptor: STDOUT_FILENO, name: "standard output")]
                : [TerminalRenderer(color: global.useColor, write: standardOutput)]
            let cancellation = LuaCancellation()
            let signals = cancelOnSignals(cancellation)
            defer { signals.forEach { $0.cancel() } }
            var exit = ExitStatus.ok
            for event in events {
                let outcome = await dispatcher.handle(event, display: display, cancellation: cancellation)
                if !json {
                    var lines = ["journal: \(outcome.journal)"]
                    if let report = outcome.report { lines.append("report: \(report)") }
                    standardOutput(lines.joined(separator: "\n") + "\n")
                }
                if outcome.exit.rawValue > exit.rawValue { exit = outcome.exit }
                if cancellation.isCancelled { break }
            }
            if exit != .ok { throw ExitCode(exit.rawValue) }
        }

        private func explainRouting(_ events: [AlarmEvent], _ runbooks: [Runbook]) {
            var text = ""
            for event in events {
                text += "event \(event.source.rawValue) \(event.id): alarm \(event.alarm.debugDescription) \(event.state)\n"
                if event.isResolved {
                    text += "  resolved: recorded, not run\n"
                    continue
                }
                let decision = TriggerRouter.route(event, among: runbooks)
                guard let chosen = decision.chosen else {
                    text += "  no match\n"
                    continue
                }
                for match in decision.matches {
                    text += "  matched \(match.runbook) (trigger #\(match.trigger), \(match.specificity) constraints)\n"
                }
                let params = chosen.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                text += "  chosen  \(chosen.runbook)" + (params.isEmpty ? "" : " \(params)") + "\n"
            }
            // Names and values come from the event and the runbook files.
            standardOutput(UntrustedText.terminalLines(text))
        }

        /// At most one byte past the cap is read, so an oversized input is refused without holding it.
        private func readEvent() throws -> [UInt8] {
            let handle: FileHandle
            if event == "-" {
                handle = .standardInput
            } else {
                guard let file = FileHandle(forReadingAtPath: event) else {
                    throw RunbookError(.notFound, "cannot read the event file \(event)")
                }
                handle = file
            }
            do {
                return Array(try handle.read(upToCount: AlarmEvents.maximumBytes + 1) ?? Data())
            } catch {
                throw RunbookError(.io, "cannot read the event from \(event): \(error.localizedDescription)")
            }
        }
    }
}
