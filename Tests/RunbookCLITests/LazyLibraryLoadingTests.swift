import Foundation
import Testing
import TestSupport

/// libcurl is opened at the first HTTP request, not at start: a run that makes none never maps it, nor
/// the thirty libraries it brings (issue 8, cold start). The dynamic loader says what it opens
/// (`LD_DEBUG=libs`, on standard error).
struct LibcurlLoadingTests {
    @Test func aRunWithoutHTTPNeverLoadsLibcurl() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run(environment: ["LD_DEBUG": "libs"], "run", "cli.hello", "--param", "who=x")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("calling init:"), "LD_DEBUG=libs said nothing: \(result.stderr)")
        let curl = result.stderr.split(separator: "\n").filter { $0.contains("libcurl") }
        #expect(curl.isEmpty, "\(curl)")
    }

    @Test func theFirstHTTPRequestLoadsLibcurl() async throws {
        let cli = CLI()
        defer { cli.remove() }
        // Nothing listens there: the probe fails fast, after libcurl has been opened to send it.
        let port = try freePort()
        cli.write("runbooks/probe.lua", """
            return runbook {
              name = "cli.probe", version = "1.0.0", description = "One HTTP probe",
              run = function()
                step("probe", function() log.info(probe.http { url = "http://127.0.0.1:\(port)/" }.reason) end)
              end,
            }
            """)
        let result = try await cli.run(environment: ["LD_DEBUG": "libs"], "run", "cli.probe")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("info: refused"), "\(result.stdout)")
        #expect(result.stderr.contains("calling init: /") && result.stderr.contains("/libcurl.so.4\n"), "\(result.stderr.suffix(2000))")
    }
}
