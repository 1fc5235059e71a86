import AWSKit
import Foundation
import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// What peers send back cannot hurt a run: answers that are too big, too deep, too slow or
/// lying end the call they answer, with a clear error, and the run stays within its limits.
struct HostileAnswerTests {
    func configuration(_ server: HostileServer) -> EngineConfiguration {
        EngineConfiguration(aws: AWSSettings(region: "us-east-1", endpointURL: server.url) {
            AWSCredentials(accessKeyID: "AKIDHOSTILE", secretAccessKey: "hostile-secret")
        })
    }

    /// An answer nested 300 deep once made `kafka.describe_cluster` return 401 values of
    /// leftover stack, ending in `false, "value is nested ..."`, and `pcall` said true; the
    /// error now says why the answer was refused.
    @Test func anAnswerNestedTooDeepFailsTheCallUnderPcall() async throws {
        let nested = String(repeating: "{\"a\":", count: 300) + "1" + String(repeating: "}", count: 300)
        let server = try HostileServer.http(headers: ["Content-Type": "application/json"], body: .bytes(Array(nested.utf8)))
        let record = try await run(runbookSource("""
            local results = table.pack(pcall(kafka.describe_cluster, "arn:aws:kafka:us-east-1:1:cluster/x/y"))
            step("outcome", function() return { n = results.n, ok = results[1], message = results[2] } end)
            """), configuration: configuration(server))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let outcome = try #require(record.events(.stepFinished).last?.result?.tableValue)
        #expect(outcome["n"] == 2)
        #expect(outcome["ok"] == false)
        let message = try #require(outcome["message"].stringValue)
        #expect(message.contains("kafka.describe_cluster") && message.contains("nesting deeper than 200"), "\(message)")
    }

    /// JSON answers are checked before they are decoded, but an answer whose payload is the bytes
    /// themselves (Lambda's `Invoke`) is not JSON and reaches the runbook as it came.
    @Test func aPayloadAnswerThatIsNotJSONReachesTheRunbookAsBytes() async throws {
        let server = try HostileServer.http(headers: ["Content-Type": "application/octet-stream"], body: .bytes(Array("not {json".utf8)))
        let record = try await run(runbookSource("""
            local answer = aws.lambda.invoke{ FunctionName = "f" }
            -- Lambda's model marks the payload sensitive: the journal masks it, the runbook compares it.
            step("payload", function() return answer.Payload == "not {json" end)
            """), configuration: configuration(server))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == true)
    }

    /// Runs `body` and returns what its last step returned, as a table.
    func outcome(_ body: String, server: HostileServer? = nil) async throws -> LuaTable {
        let record = try await run(runbookSource(body), configuration: server.map(configuration))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        return try #require(record.events(.stepFinished).last?.result?.tableValue)
    }

    /// `max_body` was applied after the download: each probe buffered up to 64 MiB, then said
    /// "response too large" even with `max_body = 10`.
    @Test func probeHTTPOnAnEndlessBodyReturnsMaxBodyBytesMarkedTruncated() async throws {
        let server = try HostileServer.http(body: .endless("0123456789abcdef"))
        let result = try await outcome("""
            step("probe", function()
              local r = probe.http { url = "\(server.url)/", max_body = 10, timeout = 5 }
              return { ok = r.ok, truncated = r.truncated, length = #r.body, reason = r.reason }
            end)
            """)
        #expect(result["ok"] == true && result["truncated"] == true, "\(result)")
        #expect(result["length"] == 10)
    }

    /// Binary bodies were decoded lossily as UTF-8: the bytes were corrupted and `#body`
    /// exceeded `max_body`. Lua strings are bytes, and the body arrives as sent.
    @Test func probeHTTPReturnsABinaryBodyByteForByte() async throws {
        let bytes: [UInt8] = [0xFF, 0x00, 0xC3, 0x28, 0x80, 0x41, 0xFE, 0xFF, 0x0A, 0xE2]
        let server = try HostileServer.http(body: .bytes(bytes))
        let result = try await outcome("""
            step("probe", function()
              local r = probe.http { url = "\(server.url)/", max_body = 8, timeout = 5 }
              local codes = {}
              for i = 1, #r.body do codes[i] = r.body:byte(i) end
              return { length = #r.body, codes = table.concat(codes, ","), truncated = r.truncated }
            end)
            """)
        #expect(result["length"] == 8)
        #expect(result["codes"] == .string(bytes.prefix(8).map(String.init).joined(separator: ",")))
        #expect(result["truncated"] == true)
    }

    /// A 302 loop was `ok = true`: redirects are reported as such, with their `location`, and
    /// never followed.
    @Test func probeHTTPReportsARedirectWithItsLocationAndDoesNotFollowIt() async throws {
        let server = try HostileServer.http(status: 302, headers: ["Location": "/again"], body: .bytes([]))
        let result = try await outcome("""
            step("probe", function()
              local r = probe.http { url = "\(server.url)/", timeout = 5 }
              return { ok = r.ok, status = r.status, location = r.location, reason = r.reason }
            end)
            """)
        #expect(result["ok"] == false && result["status"] == 302, "\(result)")
        #expect(result["location"] == "/again")
        #expect(server.connections == 1)
    }

    /// Headers without end and a broken chunked body were both "connection reset".
    @Test(arguments: [
        (HostileServer.Step.send(Array("HTTP/1.1 200 OK\r\n".utf8)), HostileServer.Step.endless(Array("X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8)), "headers_too_large"),
        (.send(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)), .send(Array("zz\r\nhello\r\n0\r\n\r\n".utf8)), "bad_chunked_encoding"),
    ])
    func probeHTTPNamesMalformedAnswers(head: HostileServer.Step, rest: HostileServer.Step, reason: String) async throws {
        let server = try HostileServer([.readUntil(Array("\r\n\r\n".utf8)), head, rest])
        let result = try await outcome("""
            step("probe", function()
              local r = probe.http { url = "\(server.url)/", timeout = 5 }
              return { ok = r.ok, reason = r.reason, error = r.error }
            end)
            """)
        #expect(result["ok"] == false)
        #expect(result["reason"] == .string(reason), "\(result)")
    }

    /// Runs `body` and expects the run to stop for memory with a reason naming `function`.
    func expectMemoryStop(_ body: String, naming function: String, server: HostileServer? = nil) async throws {
        let record = try await run(runbookSource(body), configuration: server.map(configuration))
        #expect(record.result.exit == .limit, "\(record.result.message ?? "") \(record.events(.stepFinished).last?.result ?? .nil)")
        let end = try #require(record.events(.runFinished).first)
        #expect(end.exitCode == 3)
        #expect(end.reason?.contains(function) == true, "\(end.reason ?? "")")
        #expect(end.error?.contains(function) == true, "\(end.error ?? "")")
    }

    /// A primitive's answer was turned into Lua values with the memory cap lifted: a scrape of
    /// 60 MB of `a 1` lines peaked at 8.1 GB. Now its samples count against the run's memory,
    /// and past it the run stops, before the samples are all held.
    @Test func aScrapeWithMoreSamplesThanTheRunsMemoryStopsTheRunNamingMetricsScrape() async throws {
        let server = try HostileServer.http(body: .repeated("a 1\n", total: 4 << 20))
        try await expectMemoryStop("""
            local ok, err = pcall(metrics.scrape, "\(server.url)/metrics", 120)
            step("after", function() return tostring(ok) .. " " .. tostring(err) end)
            """, naming: "metrics.scrape")
    }

    /// `max_bytes` is read while the body arrives: an endless scrape ends at it, with an error.
    @Test func aScrapeLongerThanMaxBytesIsAnErrorFoundWithoutReadingPastIt() async throws {
        let server = try HostileServer.http(body: .endless("a 1\n"))
        let result = try await outcome("""
            step("scrape", function()
              local ok, err = pcall(metrics.scrape, "\(server.url)/metrics", 10, 4096)
              return { ok = ok, err = err }
            end)
            """)
        #expect(result["ok"] == false)
        #expect(result["err"].stringValue?.contains("larger than 4096 bytes") == true, "\(result)")
    }

    /// An AWS answer of 20 M empty objects took 2.1 GB and 51 s; now it is refused while its
    /// grammar is checked, before any of it is built.
    @Test func anAWSAnswerLargerThanTheRunsMemoryStopsTheRunNamingTheOperation() async throws {
        let objects = "[" + String(repeating: "{},", count: 2_000_000) + "{}]"
        let server = try HostileServer.http(headers: ["Content-Type": "application/json"], body: .bytes(Array(objects.utf8)))
        try await expectMemoryStop("""
            local ok, err = pcall(kafka.describe_cluster, "arn:aws:kafka:us-east-1:1:cluster/x/y")
            step("after", function() return tostring(ok) .. " " .. tostring(err) end)
            """, naming: "kafka.describe_cluster", server: server)
    }

    /// Results of functions that answer at once count too: `json.decode` of a string that fits
    /// makes a table that does not.
    @Test func aDecodedValueLargerThanTheRunsMemoryStopsTheRunNamingJSONDecode() async throws {
        try await expectMemoryStop("""
            local text = "[" .. string.rep("{},", 1000000) .. "{}]"
            local ok, err = pcall(json.decode, text)
            step("after", function() return tostring(ok) .. " " .. tostring(err) end)
            """, naming: "json.decode")
    }

    /// An answer that fits is untouched by the rule.
    @Test func anAnswerThatFitsPassesTheMemoryRule() async throws {
        let server = try HostileServer.http(body: .repeated("a 1\n", total: 40_000))
        let result = try await outcome("""
            step("scrape", function()
              local families = metrics.scrape("\(server.url)/metrics", 10)
              return { samples = #families[1].samples }
            end)
            """)
        #expect(result["samples"] == 10_000)
    }
}
