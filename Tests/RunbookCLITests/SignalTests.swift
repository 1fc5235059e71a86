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

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func lastLine(of journal: String) throws -> String {
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        return String(text.split(separator: "\n").last ?? "")
    }

    @Test func aPatternBombEndsAtTheRunTimeoutWithAClosedJournal() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("bomb.lua", Self.patternBomb)
        let journal = cli.home + "/bomb.jsonl"
        let start = ContinuousClock.now
        let output = try await cli.run("run", file, "--journal", journal, "--timeout", "1")
        let seconds = Self.seconds(since: start)
        #expect(output.status == 3, "\(output.stderr)")
        // The run's clock starts once the file is loaded; the process's a little earlier.
        #expect(seconds < 1 + 1, "the run took \(seconds) s with --timeout 1")
        let last = try Self.lastLine(of: journal)
        #expect(last.contains("\"event\":\"run_finished\"") && last.contains("timed out"), "\(last)")
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
        let start = ContinuousClock.now
        run.signal(SIGTERM)
        #expect(try await run.waitForExit(timeout: .seconds(30)) == .exited(3))
        let seconds = Self.seconds(since: start)
        #expect(seconds < 1, "SIGTERM took \(seconds) s to end the run")
        let last = try Self.lastLine(of: journal)
        #expect(last.contains("\"event\":\"run_finished\"") && last.contains("cancelled"), "\(last)")
    }
}
