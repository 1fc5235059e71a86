import Foundation
import Testing

/// `runbook new`, `runbook api` and `runbook validate --strict`: what a runbook author's editor and CI use.
struct EditorCommandTests {
    @Test func newWritesASkeletonThatPassesStrictValidationAndEditorFiles() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let made = try await cli.run("new", "msk.storage", "--dir", "runbooks")
        #expect(made.status == 0, "\(made.stderr)")
        for file in ["runbooks/msk/storage.lua", "runbooks/.runbook/runbook.lua", "runbooks/.luarc.json", "runbooks/.luacheckrc"] {
            #expect(FileManager.default.fileExists(atPath: "\(cli.home)/\(file)"), "\(file) missing")
        }
        let luarc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(cli.home)/runbooks/.luarc.json")))
        #expect((luarc as? [String: Any])?["workspace.library"] as? [String] == [".runbook"])
        let annotations = try await cli.run("api", "--format", "luals")
        #expect(try String(contentsOfFile: "\(cli.home)/runbooks/.runbook/runbook.lua", encoding: .utf8) == annotations.stdout)

        let strict = try await cli.run("validate", "--strict", "runbooks")
        #expect(strict.status == 0, "\(strict.stdout)\(strict.stderr)")
        #expect(strict.stdout.contains("1 valid, 0 invalid, 0 lint problems"))
        let shown = try await cli.run("show", "msk.storage")
        #expect(shown.status == 0)

        let again = try await cli.run("new", "msk.storage", "--dir", "runbooks")
        #expect(again.status == 2)
        #expect(again.stderr.contains("runbooks/msk/storage.lua exists already"))
        let badName = try await cli.run("new", "../escape")
        #expect(badName.status == 2)
    }

    @Test func strictValidationReportsATypoAndAnUnusedLocalWithTheirLines() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/typo.lua", """
            return runbook {
              name = "cli.typo",
              version = "1.0.0",
              description = "A typo",
              run = function(p)
                local unused = 1
                stpe("a", function() end)
              end,
            }
            """)
        let plain = try await cli.run("validate", "runbooks")
        #expect(plain.status == 0)
        let strict = try await cli.run("validate", "--strict", "runbooks")
        #expect(strict.status == 2)
        #expect(strict.stdout.contains("runbooks/typo.lua:7:5: (W113) accessing undefined variable 'stpe'"), "\(strict.stdout)")
        #expect(strict.stdout.contains("runbooks/typo.lua:6:11: (W211) unused variable 'unused'"), "\(strict.stdout)")
    }

    @Test func strictValidationWithoutLuacheckFailsAndSaysSo() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let strict = try await cli.run(environment: ["PATH": cli.home], "validate", "--strict", "runbooks")
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("--strict needs luacheck, which is not on PATH"))
    }

    @Test func apiRefusesAnUnknownFormat() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let result = try await cli.run("api", "--format", "html")
        #expect(result.status == 2)
        #expect(result.stderr.contains("--format must be one of markdown, luals, luacheck"))
    }
}
