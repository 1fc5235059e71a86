import Foundation
import Testing
import TestSupport

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

    /// A hostile AWS endpoint's request id, error type and message reached the terminal raw,
    /// live and through `runbook log`.
    @Test func awsProvidedStringsReachTheTerminalEscaped() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let body = Array(#"{"__type":"Bad\#u{1B}]0;T\#u{07}","message":"evil \#u{1B}[2J\#u{1B}]52;c;aGk=\#u{07} \#r✓ ok"}"#.utf8)
        let server = try HostileServer([
            .readUntil(Array("\r\n\r\n".utf8)),
            .send(Array(("HTTP/1.1 400 Bad\r\nContent-Type: application/json\r\nx-amzn-RequestId: req\u{1B}]0;X\u{07}\rid\r\n"
                + "x-amzn-ErrorType: Bad\u{1B}[31mType\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n").utf8) + body),
        ])
        let file = cli.write("aws.lua", """
            return runbook { name = "cli.aws", version = "1.0.0", description = "asks a hostile endpoint",
              run = function() step("describe", function() return kafka.describe_cluster("arn:aws:kafka:us-east-1:1:cluster/x/y") end) end }
            """)
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDHOSTILE", "AWS_SECRET_ACCESS_KEY": "hostile-secret", "AWS_REGION": "us-east-1"]
        let run = try await cli.run(environment: environment, "run", file, "--endpoint-url", server.url)
        #expect(run.status == 1)
        #expect(run.stdout.contains("request id req\\x1b]0;X\\x07\\rid"), "\(run.stdout)")
        let log = try await cli.run("log")
        for output in [run.stdout, run.stderr, log.stdout, log.stderr] {
            #expect(!output.contains("\u{1B}") && !output.contains("\u{07}") && !output.contains("\r"), "\(output)")
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
