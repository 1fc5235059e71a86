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

    /// A `credential_process` that hangs once outlived the run that started it, and so did what
    /// it started: the run's end must kill its whole process group.
    @Test func aCredentialProcessIsKilledWithItsProcessGroupWhenItsRunEnds() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let (leader, child) = (cli.home + "/leader.pid", cli.home + "/child.pid")
        let helper = cli.write("creds.sh", "#!/bin/sh\necho $$ > \(leader).tmp && mv \(leader).tmp \(leader)\n"
            + "sleep 300 & echo $! > \(child).tmp && mv \(child).tmp \(child)\nwait\n")
        chmod(helper, 0o755)
        let config = cli.write("aws/config", "[default]\nregion = us-east-1\ncredential_process = \(helper)\n")
        let file = cli.write("msk.lua", """
            return runbook { name = "cli.creds", version = "1.0.0", description = "needs credentials",
              run = function() step("describe", function() return kafka.describe_cluster("arn:aws:kafka:us-east-1:1:cluster/x/y") end) end }
            """)
        let output = try await cli.run(environment: ["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": cli.home + "/none",
                                                     "AWS_EC2_METADATA_DISABLED": "true", "HOME": cli.home],
                                       "run", file, "--timeout", "1", "--endpoint-url", "http://127.0.0.1:9")
        #expect(output.status == 3, "\(output.stderr)")
        for path in [leader, child] {
            let pid = try #require(Int32((try String(contentsOfFile: path, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
            try await waitUntil("pid \(pid) is gone", timeout: .seconds(5), interval: .milliseconds(20)) { !isAlive(pid) }
        }
    }
}

/// False once `pid` is gone, or a zombie left for a reaper that is not this process.
private func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return !stat[close...].hasPrefix(") Z")
}
