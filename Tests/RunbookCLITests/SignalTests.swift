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

    /// A pattern that backtracks for ages: Lua's own matcher never let the limits in.
    static let patternBomb = """
        return runbook { name = "cli.bomb", version = "1.0.0", description = "backtracks for ages",
          run = function()
            step("bomb", function() return string.find(string.rep("a", 5000), string.rep("a*", 80) .. "b") end)
          end }
        """

    /// The journal's last line, as JSON.
    static func lastEvent(of journal: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        let line = text.split(separator: "\n").last ?? ""
        return (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    // Timings come from the journal, not from the test's clock around the process: on a
    // loaded machine starting and ending a process can take seconds the run never sees.

    @Test func aPatternBombEndsAtTheRunTimeoutWithAClosedJournal() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("bomb.lua", Self.patternBomb)
        let journal = cli.home + "/bomb.jsonl"
        let output = try await cli.run("run", file, "--journal", journal, "--timeout", "1")
        #expect(output.status == 3, "\(output.stderr)")
        let last = try Self.lastEvent(of: journal)
        #expect(last["event"] as? String == "run_finished")
        #expect((last["error"] as? String)?.hasSuffix("run stopped: deadline passed") == true, "\(last)")
        let milliseconds = last["duration_ms"] as? Double ?? 99_999
        #expect(milliseconds < 1_000 + 1_000, "the run took \(milliseconds) ms with --timeout 1")
    }

    @Test func sigtermEndsAPatternBombWithAClosedJournal() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("bomb.lua", Self.patternBomb)
        let journal = cli.home + "/bomb.jsonl"
        let run = try cli.start(["run", file, "--journal", journal])
        try await waitUntil("the bomb is running", timeout: .seconds(30), interval: .milliseconds(50)) {
            (try? String(contentsOfFile: journal, encoding: .utf8))?.contains("\"name\":\"bomb\"") == true
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        let signalled = Date()
        run.signal(SIGTERM)
        #expect(try await run.waitForExit(timeout: .seconds(30)) == .exited(3))
        let last = try Self.lastEvent(of: journal)
        #expect(last["event"] as? String == "run_finished")
        #expect(last["reason"] as? String == "cancelled", "\(last)")
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let finished = (last["time"] as? String).flatMap(format.date(from:)) ?? .distantFuture
        let seconds = finished.timeIntervalSince(signalled)
        #expect(seconds < 1, "the run finished \(seconds) s after SIGTERM")
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
