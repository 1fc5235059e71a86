import Foundation
import Testing
import TestSupport

/// What signals and a vanished reader do to a run: it ends with a closed journal, or goes on.
struct SignalTests {
    /// `runbook run ... | head -2` once died of SIGPIPE (exit 141) after step 1, with no `run_finished`.
    @Test func aReaderThatGoesAwayDoesNotStopTheRun() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("pipe.lua", """
            return runbook { name = "cli.pipe", version = "1.0.0", description = "prints, then goes on",
              run = function()
                step("first", function() log.info("one") end)
                step("pause", function() sleep(0.3) end)
                for i = 1, 50 do step("after " .. i, function() log.info(string.rep("y", 200)) end) end
              end }
            """)
        let script = "\"$0\" run pipe.lua --journal pipe.jsonl | head -2 >/dev/null; echo \"status=${PIPESTATUS[0]}\""
        let outcome = try await ChildProcess.run("/bin/bash", ["-c", script, CLI.binary],
                                                 environment: cli.childEnvironment([:]), directory: cli.home)
        #expect(outcome.stdout.contains("status=0"), "\(outcome.stdout)\(outcome.stderr)")
        let journal = try String(contentsOfFile: cli.home + "/pipe.jsonl", encoding: .utf8)
        #expect(journal.contains("\"name\":\"after 50\""))
        #expect(journal.contains("\"event\":\"run_finished\""))
    }

    /// SIGHUP ended nothing cleanly, and SIGQUIT printed a crash banner and let the run carry on.
    @Test(arguments: [SIGHUP, SIGQUIT, SIGTERM])
    func aSignalCancelsTheRunWithAClosedJournal(signal: Int32) async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("wait.lua", """
            return runbook { name = "cli.wait", version = "1.0.0", description = "waits",
              run = function() step("wait", function() sleep(60) end) end }
            """)
        let journal = cli.home + "/wait.jsonl"
        let run = try cli.start(["run", file, "--journal", journal])
        try await waitUntil("the run is waiting", timeout: .seconds(30), interval: .milliseconds(50)) {
            (try? String(contentsOfFile: journal, encoding: .utf8))?.contains("\"name\":\"wait\"") == true
        }
        run.signal(signal)
        #expect(try await run.waitForExit(timeout: .seconds(30)) == .exited(3))
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        #expect(text.contains("\"event\":\"run_finished\"") && text.contains("cancelled"))
    }
}
