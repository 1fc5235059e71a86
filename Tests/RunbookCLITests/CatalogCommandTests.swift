import Foundation
import Testing
import TestSupport

struct CatalogCommandTests {
    @Test func listShowAndValidateReadMetadataOnly() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let list = try await cli.run("list")
        #expect(list.status == 0)
        #expect(list.stdout.contains("cli.hello  1.0.0  Say hello"))
        let show = try await cli.run("show", "cli.hello")
        #expect(show.stdout.contains("who (string, required)  Who to greet"))
        #expect(show.stdout.contains("times (integer, default 1)"))
        let validate = try await cli.run("validate")
        #expect(validate.status == 0)
        #expect(validate.stdout.contains("1 valid, 0 invalid"))
    }

    /// The runbooks the repository ships, luacheck included: the whole MSK library.
    @Test func theShippedRunbooksValidateStrictly() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let validate = try await cli.run("validate", "--strict", packageRoot + "/runbooks")
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        for name in ["msk.audit 1.0.0", "msk.ensure-alarms 1.0.0", "msk.high-cpu 1.1.0", "msk.reboot-broker 1.1.0",
                     "msk.broker-connectivity 1.0.0", "msk.zookeeper-status 1.0.0", "msk.storage 1.0.0", "msk.connectivity-test 1.0.0"] {
            #expect(validate.stdout.contains(name), "\(validate.stdout)")
        }
        #expect(validate.stdout.contains("0 invalid, 0 lint problems"), "\(validate.stdout)")
    }

    @Test func validateFailsOnDuplicateNames() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/a.lua", helloRunbook)
        cli.write("runbooks/b.lua", helloRunbook)
        let validate = try await cli.run("validate", "runbooks")
        #expect(validate.status == 2)
        #expect(validate.stdout.contains("runbook name 'cli.hello' is used by runbooks/a.lua and runbooks/b.lua"))
    }

    /// The help text is part of the interface: a change to it shows up here.
    @Test func helpTextIsAsDocumented() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let help = try await cli.run("--help")
        #expect(help.status == 0)
        let expected = try String(contentsOfFile: fixture("help.txt"), encoding: .utf8)
        #expect(help.stdout == expected)
        for command in ["run", "list", "show", "validate", "test", "log", "api", "new", "trigger", "approve", "approvals", "worker"] {
            let sub = try await cli.run(command, "--help")
            #expect(sub.status == 0)
            #expect(sub.stdout.contains("USAGE: runbook \(command)"))
        }
    }
}

func fixture(_ name: String) -> String {
    (#filePath as NSString).deletingLastPathComponent + "/Fixtures/" + name
}

/// `runbook log PREFIX` once took the first file with that prefix, even when several had it.
struct LogLookupTests {
    @Test func anAmbiguousOrEmptyRunIdPrefixListsTheCandidates() async throws {
        let cli = CLI()
        defer { cli.remove() }
        try FileManager.default.createDirectory(atPath: cli.journalFolder, withIntermediateDirectories: true)
        for id in ["20261202T101500.100Z-aaaaaa", "20261202T101500.200Z-bbbbbb"] {
            cli.write("state/runbook/runs/\(id).jsonl", "{\"v\":1,\"event\":\"run_started\",\"time\":\"t\",\"run\":\"\(id)\"}\n")
        }
        let ambiguous = try await cli.run("log", "20261202T1015")
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("2 runs start with 20261202T1015: 20261202T101500.100Z-aaaaaa, 20261202T101500.200Z-bbbbbb"))
        let empty = try await cli.run("log", "")
        #expect(empty.status == 2)
        let one = try await cli.run("log", "20261202T101500.2")
        #expect(one.status == 0)
        #expect(one.stdout.contains("20261202T101500.200Z-bbbbbb"))
        let last = try await cli.run("log")
        #expect(last.stdout.contains("20261202T101500.200Z-bbbbbb"))
    }
}
