import Foundation
import Testing

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
        for command in ["run", "list", "show", "validate", "log", "api", "new"] {
            let sub = try await cli.run(command, "--help")
            #expect(sub.status == 0)
            #expect(sub.stdout.contains("USAGE: runbook \(command)"))
        }
    }
}

func fixture(_ name: String) -> String {
    (#filePath as NSString).deletingLastPathComponent + "/Fixtures/" + name
}
