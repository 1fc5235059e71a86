import Foundation
import Testing
import TestSupport

/// libcurl is opened at the first HTTP request and libxml2 at the first XML answer, not at start: a run
/// that needs neither never maps them, nor the libraries they bring (libcurl's thirty; libxml2's ICU,
/// zlib and liblzma), which cold start pays for (issues 8 and 9). The dynamic loader says what it
/// opens (`LD_DEBUG=libs`, on standard error).
struct LazyLibraryLoadingTests {
    static let shared = SharedMotoServer()

    @Test func aRunWithoutHTTPNeverLoadsLibcurlLibxml2NorLibsqlite3() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/hello.lua", helloRunbook)
        let result = try await cli.run(environment: ["LD_DEBUG": "libs"], "run", "cli.hello", "--param", "who=x")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("calling init:"), "LD_DEBUG=libs said nothing: \(result.stderr)")
        let lazy = result.stderr.split(separator: "\n").filter { $0.contains("libcurl") || $0.contains("libxml2") || $0.contains("libicu") || $0.contains("libsqlite3") }
        #expect(lazy.isEmpty, "\(lazy)")
    }

    @Test func theGuardrailStateLoadsLibsqlite3() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let result = try await cli.run(environment: ["LD_DEBUG": "libs"], "pause", "--reason", "test")
        #expect(result.status == 0, "\(result.stderr.suffix(2000))")
        #expect(result.stderr.contains("calling init: /") && result.stderr.contains("/libsqlite3.so."), "\(result.stderr.suffix(2000))")
    }

    @Test func theFirstXMLAnswerLoadsLibxml2() async throws {
        let moto = try await Self.shared.get()
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/topics.lua", """
            return runbook {
              name = "cli.topics", version = "1.0.0", description = "One query-protocol call",
              run = function()
                step("list", function() log.info("topics", #(aws.sns.list_topics{}.Topics or {})) end)
              end,
            }
            """)
        let environment = [
            "LD_DEBUG": "libs", "AWS_ACCESS_KEY_ID": moto.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.secretAccessKey,
            "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto.url,
        ]
        let result = try await cli.run(environment: environment, ["run", "cli.topics"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr.suffix(2000))")
        #expect(result.stderr.contains("calling init: /") && result.stderr.contains("/libxml2.so."), "\(result.stderr.suffix(2000))")
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
