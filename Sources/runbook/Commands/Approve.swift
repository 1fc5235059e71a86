import ArgumentParser
import Foundation
import RunbookEngine

extension RunbookCLI {
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Approve a runbook's current version for automated (alarm-started) runs.",
            discussion: """
                Shows what the runbook does (parameters, triggers, automation settings and the primitives
                its source names, by class), asks for a yes, and records the version and the file's SHA-256
                in runbooks.lock beside the runbooks. Commit that file: it is reviewed as code is.
                Without a terminal, --yes is required.

                Examples:
                  runbook approve msk.high-cpu
                  runbook approve msk.high-cpu --yes --by alice
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "A runbook name or file.")
        var runbook: String

        @Flag(help: "Approve without asking; required when standard input is not a terminal.")
        var yes = false

        @Option(help: ArgumentHelp("Who approves (default: $USER). Letters, digits and . _ @ + -, at most 64.", valueName: "who"))
        var by: String?

        var approver: String {
            by ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        }

        func validate() throws {
            guard ApprovalLock.isValidApprover(approver) else {
                throw ValidationError("approver '\(UntrustedText.terminal(approver))' is not a valid name: use 1 to \(ApprovalLock.maximumApproverLength) of A-Z a-z 0-9 . _ @ + -"
                                      + (by == nil ? " (it came from $USER; pass --by)" : ""))
            }
        }

        func run() async throws {
            let catalog = try global.catalog()
            let loaded: Runbook
            let uses: [PrimitiveUse]
            do {
                loaded = try catalog.engine.inspect(file: try catalog.resolve(runbook))
                uses = try PrimitiveScan.uses(of: loaded, modules: catalog.engine.modules)
            } catch let error as RunbookError { throw fail(error) }
            let interactive = isatty(STDIN_FILENO) != 0
            guard yes || interactive else {
                throw fail(RunbookError(.invalid, "standard input is not a terminal, so approve cannot ask",
                                        hint: "review `runbook show \(loaded.name)` and pass --yes to approve without the question"))
            }
            let lockPath = ApprovalLock.path(forRunbookFile: loaded.file, directories: catalog.directories)
            var lock: ApprovalLock
            do { lock = try ApprovalLock.read(path: lockPath) } catch let error as RunbookError { throw fail(error) }

            // Every part of this text but the engine's own words comes from the runbook file.
            standardOutput(UntrustedText.terminalLines(RunbookCLI.Show.text(of: loaded) + Self.automationText(loaded.automation)
                                                       + Self.primitivesText(uses, name: loaded.name)))
            if !yes {
                standardOutput("\n" + UntrustedText.terminal("Approve \(loaded.name) \(loaded.version) for automated runs? [y/N] "))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
                guard answer == "y" || answer == "yes" else {
                    standardOutput("not approved\n")
                    throw ExitCode(ExitStatus.failed.rawValue)
                }
            }
            let earlier = lock.approvals.first { $0.name == loaded.name }
            do {
                try lock.approve(loaded, by: approver, at: Date())
                try lock.write()
            } catch let error as RunbookError { throw fail(error) }
            var line = "approved \(loaded.name) \(loaded.version) sha256=\(shortHash(loaded.sha256)) by \(approver) in \(lockPath)"
            if let earlier { line += " (was \(earlier.version) sha256=\(shortHash(earlier.sha256)))" }
            standardOutput("\n" + UntrustedText.terminal(line) + "\n")
        }

        static func automationText(_ automation: RunbookAutomation) -> String {
            """

            automation (alarm-started runs):
              target: \(automation.target ?? "(the runbook itself)")
              cooldown: \(seconds(automation.cooldown)) per target
              max_mutations: \(automation.maxMutations) per \(seconds(automation.window)) per target
              live: \(automation.live ? "yes, with runbook trigger --live" : "no, dry runs only")

            """
        }

        static func primitivesText(_ uses: [PrimitiveUse], name: String) -> String {
            var text = """

                primitives named in the source, by class (a static scan: comments and strings are skipped, and a
                name built at run time is not seen; `runbook run \(name) --dry-run --report F.md` shows exactly
                what a run sends):

                """
            if uses.isEmpty { text += "  (none)\n" }
            for effect in [Effect.mutate, .probe, .read] {
                let names = uses.filter { $0.effect == effect }.map(\.name)
                if !names.isEmpty { text += "  \(effect.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(names.joined(separator: ", "))\n" }
            }
            return text
        }

        private static func seconds(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? "\(Int(value)) s" : "\(value) s"
        }
    }
}

/// A SHA-256 as people compare them at a glance: its first eight digits.
func shortHash(_ sha256: String) -> String {
    sha256.prefix(8) + "…"
}
