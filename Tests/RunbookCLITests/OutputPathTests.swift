import Foundation
import Testing

/// The journal and the report: a path that cannot be written stops the run before it starts,
/// and a write that fails later is never a silent success.
struct OutputPathTests {
    /// `--report DIR` and `--report missing/r.md` once exited 0 and wrote nothing.
    @Test(arguments: ["runbooks", "missing/r.md"])
    func aReportPathThatCannotBeWrittenExitsTwoBeforeTheRun(report: String) async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run("run", "cli.hello", "--param", "who=x", "--report", report, "--journal", "j.jsonl")
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot write the report \(report)"), "\(result.stderr)")
        #expect(!result.stdout.contains("greet"), "the run started")
        #expect(!FileManager.default.fileExists(atPath: cli.home + "/j.jsonl"))
    }

    /// `--report /dev/full` and `--journal /dev/full` once exited 0 having written nothing.
    @Test(arguments: [["--report", "/dev/full", "--journal", "j.jsonl"], ["--journal", "/dev/full"]])
    func aFullDeviceIsNeverASilentSuccess(outputs: [String]) async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run(["run", "cli.hello", "--param", "who=x"] + outputs)
        #expect(result.status == 2)
        #expect(result.stderr.contains("/dev/full") && result.stderr.contains("No space left on device"), "\(result.stderr)")
    }

    /// `--report X --journal X` once overwrote the journal with the report.
    @Test func theReportAndTheJournalOnOnePathAreRefused() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run("run", "cli.hello", "--param", "who=x", "--report", "out/x", "--journal", "./out/../out/x")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--report and --journal are both out/x"))
    }

    @Test func reportsAreReadableByTheirOwnerOnly() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run("run", "cli.hello", "--param", "who=x", "--report", "r.md", "--journal", "j.jsonl")
        #expect(result.status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: cli.home + "/r.md")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: cli.home + "/r.md", encoding: .utf8).contains("cli.hello"))
    }

    /// A refused run removed the journal file even when `--journal` named an existing one.
    @Test func aRefusedRunKeepsAnExistingJournal() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let journal = cli.write("old.jsonl", "{\"earlier\": true}\n")
        let result = try await cli.run("run", "cli.hello", "--param", "nosuch=1", "--journal", journal)
        #expect(result.status == 2)
        #expect(try String(contentsOfFile: journal, encoding: .utf8) == "{\"earlier\": true}\n")
    }
}
