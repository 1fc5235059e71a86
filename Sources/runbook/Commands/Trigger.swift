import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "trigger",
            abstract: "Route an alarm event to the runbook its triggers name.",
            discussion: """
                Reads one event: an EventBridge "CloudWatch Alarm State Change", an SNS alarm notification
                (enveloped or bare) or an Alertmanager webhook (version 4, each alert its own event).
                --explain prints, for each event, the runbooks whose triggers match, the one chosen (the most
                specific trigger, then runbook name, then trigger position) and its parameters. Exits 0, or 2
                for a malformed event. Runs are not started yet.
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "The event's JSON file, or - for standard input.")
        var event: String

        @Flag(help: "Print the decision for each event without running anything.")
        var explain = false

        func run() async throws {
            guard explain else {
                // Runs started by alarms need approved versions, cooldowns and leases first.
                throw fail(RunbookError(
                    .invalid, "runbook trigger cannot start runs yet: automated runs wait for their guardrails (approvals, cooldowns, one run per target)",
                    hint: "add --explain to see which runbook the event would start, with which parameters"))
            }
            let events: [AlarmEvent]
            let entries: [RunbookCatalog.Entry]
            do {
                events = try AlarmEvents.parse(try readEvent())
                entries = try global.catalog().entries()
            } catch let error as AlarmEventError {
                throw fail(RunbookError(.invalid, "malformed event: \(error)"))
            } catch let error as RunbookError { throw fail(error) }
            // With no runbooks every event is "no match", which would hide a wrong --runbooks.
            guard !entries.isEmpty else {
                throw fail(RunbookError(.notFound, "no runbook files (*.lua) in \(global.directories.joined(separator: ", "))"))
            }
            var runbooks: [Runbook] = []
            for entry in entries {
                switch entry.result {
                case .success(let runbook): runbooks.append(runbook)
                // An invalid runbook's triggers cannot be read; saying so keeps a "no match" honest.
                case .failure(let error): standardError("runbook: warning: not routed to, invalid: \(error)\n")
                }
            }
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
