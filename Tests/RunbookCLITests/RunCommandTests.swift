import Foundation
import RunbookEngine
import Testing
import TestSupport

struct RunCommandTests {
    @Test func runsARunbookByNameAndWritesItsJournal() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let output = try await cli.run("run", "cli.hello", "--param", "who=world", "--param", "times=2")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("✓ [2] greet 2"))
        #expect(output.stdout.contains("info: hello world"))
        let journals = try FileManager.default.contentsOfDirectory(atPath: cli.journalFolder)
        #expect(journals.count == 1)
        let events = try JournalFile.read(path: cli.journalFolder + "/" + journals[0])
        #expect(events.first?.event == .runStarted)
        #expect(events.last?.event == .runFinished && events.last?.exitCode == 0)
        let replay = try await cli.run("log")
        #expect(replay.status == 0)
        #expect(replay.stdout.contains("✓ [2] greet 2"))
    }

    @Test func unknownRunbookExitsTwoWithTheClosestNames() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let output = try await cli.run("run", "cli.helo")
        #expect(output.status == 2)
        #expect(output.stderr.contains("no runbook named 'cli.helo'"))
        #expect(output.stderr.contains("did you mean cli.hello?"))
    }

    @Test func syntaxErrorExitsTwoAndShowsFileAndLine() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = "broken.lua"
        cli.write(file, "return runbook {\n  name = \"x\",\n  version = = \"1.0.0\",\n}\n")
        let output = try await cli.run("run", file)
        #expect(output.status == 2)
        #expect(output.stderr.contains("syntax error: \(file):3:"), "\(output.stderr)")
        let validate = try await cli.run("validate", file)
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("\(file):3:"))
    }

    @Test func missingRequiredParamExitsTwoAndSaysWhatToPass() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let output = try await cli.run("run", "cli.hello")
        #expect(output.status == 2)
        #expect(output.stderr.contains("missing required parameter 'who' (Who to greet)"))
        #expect(output.stderr.contains("hint: pass --param who=VALUE"))
        let journals = (try? FileManager.default.contentsOfDirectory(atPath: cli.journalFolder)) ?? []
        #expect(journals.isEmpty)
    }

    @Test func wronglyTypedParamExitsTwo() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let output = try await cli.run("run", "cli.hello", "--param", "who=x", "--param", "times=many")
        #expect(output.status == 2)
        #expect(output.stderr.contains("parameter 'times' must be an integer, got 'many'"))
    }

    @Test func commandLineErrorsExitTwo() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let badOption = try await cli.run("run", "cli.hello", "--timeout", "0")
        #expect(badOption.status == 2)
        #expect(badOption.stderr.contains("--timeout must be a number of seconds from 0.001 to 604800 (7 days), not 0.0"))
        // These once crashed the process with SIGILL converting the timeout (exit 132).
        for value in ["inf", "1e308", "99999999999", "nan", "-inf"] {
            let huge = try await cli.run("run", "cli.hello", "--param", "who=x", "--timeout=\(value)")
            #expect(huge.status == 2, "--timeout \(value) exited \(huge.status)")
            #expect(huge.stderr.contains("--timeout must be a number of seconds from 0.001 to 604800"), "\(huge.stderr)")
        }
        let unknownFlag = try await cli.run("run", "cli.hello", "--dryrun")
        #expect(unknownFlag.status == 2)
        cli.write("params.json", "{\"who\": 42}")
        let badFile = try await cli.run("run", "cli.hello", "--params-file", "params.json")
        #expect(badFile.status == 2)
        #expect(badFile.stderr.contains("parameter 'who' must be a string, got number 42"))
        cli.write("params.json", "{\"who\": \"file\", \"times\": 2}")
        let fromFile = try await cli.run("run", "cli.hello", "--params-file", "params.json", "--param", "who=flag")
        #expect(fromFile.status == 0)
        #expect(fromFile.stdout.contains("hello flag") && fromFile.stdout.contains("[2] greet 2"))
    }

    @Test func noCredentialsAnywhereExitsTwoNamingTheSourcesTried() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("msk.lua", """
            return runbook { name = "msk.describe", version = "1.0.0", description = "describes a cluster",
              run = function() step("describe", function() return kafka.describe_cluster("arn:aws:kafka:us-east-1:1:cluster/x/y") end) end }
            """)
        // No keys, no profile files in this home, no container, and instance metadata off:
        // nothing may try 169.254.169.254 from a test.
        let output = try await cli.run(environment: ["AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "HOME": cli.home],
                                       "run", file, "--endpoint-url", "http://127.0.0.1:9")
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("no AWS credentials found; tried: environment (AWS_ACCESS_KEY_ID)"))
        for source in ["shared credentials file", "credential_process", "config file", "container credentials", "instance metadata"] {
            #expect(output.stderr.contains(source), "\(source) is not named")
        }
    }

    @Test func limitExitsThreeAndTheFailureExitsOne() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let loop = cli.write("loop.lua", """
            return runbook { name = "loop", version = "1.0.0", description = "spins",
              limits = { instructions = 1000000 }, run = function() while true do end end }
            """)
        let stopped = try await cli.run("run", loop)
        #expect(stopped.status == 3)
        #expect(stopped.stdout.contains("stopped: instruction budget of 1000000 exhausted"))
        let failing = cli.write("fail.lua", """
            return runbook { name = "failing", version = "1.0.0", description = "fails",
              run = function() fail("precondition not met") end }
            """)
        let failed = try await cli.run("run", failing)
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("precondition not met"))
    }

    @Test func jsonPrintsTheJournalLinesAndReportIsWritten() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let output = try await cli.run("run", "cli.hello", "--param", "who=x", "--dry-run", "--json", "--report", "review.md")
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count >= 4)
        for line in lines { #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil) }
        let report = try String(contentsOfFile: cli.home + "/review.md", encoding: .utf8)
        #expect(report.hasPrefix("# Dry run: cli.hello 1.0.0"))
    }

    @Test func aRunKilledMidwayLeavesAJournalWhoseLinesParse() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("slow.lua", """
            return runbook { name = "slow", version = "1.0.0", description = "logs, then waits",
              run = function()
                for i = 1, 200 do step("step " .. i, function() log.info(string.rep("x", 500)) end) end
                step("wait", function() sleep(60) end)
              end }
            """)
        let journal = cli.home + "/killed.jsonl"
        let run = try cli.start(["run", file, "--journal", journal])
        // Kill it without warning once the run is in its last step.
        try await waitUntil("the run is in its last step", timeout: .seconds(30), interval: .milliseconds(50)) {
            (try? String(contentsOfFile: journal, encoding: .utf8))?.contains("\"name\":\"wait\"") == true
        }
        run.signal(SIGKILL)
        #expect(try await run.waitForExit(timeout: .seconds(30)) == .signalled(SIGKILL))
        let text = try String(contentsOfFile: journal, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count > 600)
        let complete = text.hasSuffix("\n") ? lines : lines.dropLast()
        for line in complete {
            #expect((try? JSONDecoder().decode(JournalEvent.self, from: Data(line.utf8))) != nil, "unparsable: \(line.prefix(80))")
        }
        #expect(!text.contains("run_finished"))
        let replay = try await cli.run("log", "--journal", journal)
        #expect(replay.stdout.contains("the run did not finish"))
    }
}

/// Parameters and journals from outside, read strictly.
struct StrictInputTests {
    /// `--params-file -` once looked for a file named "-".
    @Test func paramsComeFromStandardInputAndListsFromAJSONArray() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("lists.lua", """
            return runbook { name = "cli.lists", version = "1.0.0", description = "lists",
              params = { ids = { type = "list", required = true }, who = { type = "string", default = "x" } },
              run = function(p) log.info(#p.ids .. ":" .. table.concat(p.ids, "|") .. ":" .. p.who) end }
            """)
        let json = try await cli.run("run", file, "--param", #"ids=["a,b","c"]"#)
        #expect(json.status == 0)
        #expect(json.stdout.contains("2:a,b|c:x"), "\(json.stdout)")
        let outcome = try await ChildProcess.run(CLI.binary, ["run", file, "--params-file", "-"], input: #"{"ids": ["s"], "who": "stdin"}"#,
                                                 environment: cli.childEnvironment([:]), directory: cli.home)
        #expect(outcome.stdout.contains("1:s:stdin"), "\(outcome.stdout)\(outcome.stderr)")
        let duplicate = try await ChildProcess.run(CLI.binary, ["run", file, "--params-file", "-"], input: #"{"ids": ["a"], "ids": ["b"]}"#,
                                                   environment: cli.childEnvironment([:]), directory: cli.home)
        #expect(duplicate.stderr.contains(#"duplicate key "ids""#), "\(duplicate.stderr)")
    }

    @Test func aFindingsCodeIsShownLiveInTheReportAndByLog() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("audit.lua", """
            return runbook { name = "cli.audit", version = "1.0.0", description = "finds one thing",
              run = function() step("check", function()
                finding { code = "sg-open-world", severity = "high", summary = "sg-1 is open to the world" }
              end) end }
            """)
        let run = try await cli.run("run", file, "--report", "r.md")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("! HIGH [sg-open-world] sg-1 is open to the world"), "\(run.stdout)")
        let report = try String(contentsOfFile: cli.home + "/r.md", encoding: .utf8)
        #expect(report.contains("- **HIGH** `sg-open-world` sg-1 is open to the world"), "\(report)")
        let log = try await cli.run("log")
        #expect(log.status == 0)
        #expect(log.stdout.contains("! HIGH [sg-open-world] sg-1 is open to the world"), "\(log.stdout)")
        let json = try await cli.run("log", "--json")
        #expect(json.stdout.contains(#""code":"sg-open-world""#), "\(json.stdout)")

        let badFile = cli.write("bad.lua", """
            return runbook { name = "cli.bad", version = "1.0.0", description = "a bad code",
              run = function() finding { code = "SG Open", summary = "x" } end }
            """)
        let bad = try await cli.run("run", badFile)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains(#"finding: code: expected a code of lower-case letters"#) && bad.stdout.contains(#"got "SG Open""#), "\(bad.stdout)")
    }

    /// `runbook log` on a file that is not a journal once printed nothing and exited 0.
    @Test func logOfAFileThatIsNotAJournalExitsTwo() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let garbage = cli.write("garbage.jsonl", "not a journal\n{\"also\": \"not\"}\n")
        let result = try await cli.run("log", "--journal", garbage)
        #expect(result.status == 2)
        #expect(result.stderr.contains("is not a runbook journal"))
    }

    /// A memory error while loading once said only "not enough memory", without the file.
    @Test func aMemoryErrorWhileLoadingNamesTheFile() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("big.lua", """
            local s = string.rep("x", 64 * 1024 * 1024)
            return runbook { name = "cli.big", version = "1.0.0", description = "d", run = function() end }
            """)
        let result = try await cli.run("run", file)
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(file): not enough memory (loading may use 32 MiB)"), "\(result.stderr)")
    }
}
