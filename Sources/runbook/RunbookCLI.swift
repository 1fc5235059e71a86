import ArgumentParser
import Foundation
import Spawn

@main
struct RunbookCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract: "Run operational runbooks written in Lua, live or as a dry run.",
        discussion: """
            A runbook is a Lua file that returns `runbook { name = ..., version = ..., run = function(p) ... end }`.
            Runbooks are found in --runbooks DIR, else in the folders of RUNBOOK_PATH, else in ./runbooks.

            Examples:
              runbook list
              runbook validate runbooks/
              runbook run demo.hello --param target=orders --dry-run --report review.md
              runbook run runbooks/demo/hello.lua --param target=orders
              runbook log

            Exit codes: 0 ok, 1 the runbook failed, 2 usage or validation error,
            3 a limit stopped the run (time, memory, instructions, cancel), 4 refused by a guardrail.
            """,
        version: "0.1.0",
        // Each subcommand names itself in its configuration: without a name, ArgumentParser derives
        // one with String(describing:) at every start, and each costs a scan of the runtime's
        // protocol conformances.
        subcommands: [Run.self, List.self, Show.self, Validate.self, Test.self, Log.self, Api.self, New.self, Trigger.self, Serve.self, Worker.self,
                      Approve.self, Approvals.self, Pause.self, Resume.self]
    )

    /// ArgumentParser ends usage errors with EX_USAGE (64); runbook's contract is exit 2.
    static func main() async {
        // A reader that goes away (`runbook run ... | head -2`) must not kill a run midway,
        // after its side effects and before its journal closes: writes see EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        var failure: (any Error)?
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            failure = error
        }
        // A run's end cancels its work, which reaches a credential_process a moment later; one
        // still running must not outlive this process.
        Spawn.killRunningGroups()
        guard let failure else { return }
        if exitCode(for: failure) == .validationFailure {
            standardError(fullMessage(for: failure) + "\n")
            Foundation.exit(2)
        }
        exit(withError: failure)
    }
}
