import Foundation
import Testing

/// Text from a runbook or its parameters once reached the terminal and the report raw: ESC, OSC 52
/// (write the clipboard), CR (overwrite a line) and HTML.
struct UntrustedTextTests {
    static let hostile = """
        return runbook {
          name = "cli.hostile", version = "1.0.0",
          description = "Looks harmless\\27]52;c;ZXZpbA==\\7 then \\27[2J",
          params = { who = { type = "string", default = "x\\27[31m", doc = "doc \\27]0;title\\7" } },
          run = function(p)
            step("name \\27[1m bold \\r✓ ok", function()
              log.info("line\\n✓ ok fake\\27]52;c;ZXZpbA==\\7")
              finding { severity = "high", summary = "<script>alert(1)</script> [x](javascript:alert(1)) \\27[0m",
                        detail = { note = "\\u{202E}reversed" } }
              log.info(p.who)
            end)
          end }
        """

    @Test func theTerminalShowsControlCharactersAsEscapes() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("runbooks/hostile.lua", Self.hostile)
        for arguments in [["run", file, "--param", "who=\u{1B}]52;c;cGFyYW0=\u{07}"], ["show", file], ["list"], ["log"]] {
            let result = try await cli.run(arguments)
            for output in [result.stdout, result.stderr] {
                #expect(!output.contains("\u{1B}]"), "\(arguments): OSC reached the terminal")
                #expect(!output.contains("\u{1B}[2J") && !output.contains("\u{1B}[31m") && !output.contains("\u{1B}[1m"), "\(arguments)")
                #expect(!output.contains("\r"), "\(arguments): CR reached the terminal")
                #expect(!output.contains("\u{202E}"), "\(arguments): a bidi override reached the terminal")
            }
            if arguments[0] == "run" {
                #expect(result.stdout.contains("\\x1b]52;c;cGFyYW0=\\x07"), "\(result.stdout)")
                #expect(result.stdout.contains("line\\n✓ ok fake"))
            }
        }
    }

    @Test func theReportEscapesHTMLLinksAndControlCharacters() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("runbooks/hostile.lua", Self.hostile)
        let result = try await cli.run("run", file, "--report", "r.md", "--journal", "j.jsonl")
        #expect(result.status == 0)
        let report = try String(contentsOfFile: cli.home + "/r.md", encoding: .utf8)
        #expect(!report.contains("<script>"))
        #expect(report.contains("&lt;script&gt;"))
        #expect(!report.contains("[x](javascript"))
        #expect(!report.contains("\u{1B}") && !report.contains("\r") && !report.contains("\u{202E}"))
    }
}
