import Foundation
import Testing
import TestSupport

/// Runs of the `runbook` binary against hostile peers, measured from outside: the run's peak
/// resident set comes from GNU time (see ``CLI/runMeasuringPeakMemory(_:)``).
struct HostilePeerRunTests {
    /// 32 Kafka answers each claiming a 64 MiB frame made the client allocate 64 MiB per
    /// connection, 2.1 GB in all. Claims over the 16 MiB limit are refused, and claims within it
    /// that are never sent cost only what arrives.
    @Test func thirtyTwoKafkaAnswersClaiming64MiBStayUnder400MB() async throws {
        await untilThisProcessKeepsTime()
        let over = try HostileServer([.read(4), .send(lengthPrefix(64 << 20)), .pause(.seconds(60))])
        let under = try HostileServer([.read(4), .send(lengthPrefix(16 << 20) + [0, 0, 0, 1]), .pause(.seconds(60))])
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/claims.lua", """
            return runbook {
              name = "hostile.claims",
              version = "1.0.0",
              description = "32 Kafka answers at once that claim more than they send",
              params = { over = { type = "string", required = true }, under = { type = "string", required = true } },
              run = function(p)
                local function claims(bootstrap)
                  local ids = {}
                  for i = 1, 32 do ids[i] = i end
                  return each(ids, function()
                    local ok, err = pcall(kafka_wire.metadata, { bootstrap = bootstrap, timeout = 3 })
                    return tostring(err)
                  end, { concurrency = 32 })
                end
                step("claims of 64 MiB", function()
                  for _, e in ipairs(claims(p.over)) do assert(e:find("exceeds the 16 MiB limit", 1, true), e) end
                end)
                step("claims of 16 MiB, never sent", function()
                  for _, e in ipairs(claims(p.under)) do assert(e:find("timed out reading", 1, true), e) end
                end)
              end,
            }
            """)
        let (output, peak) = try await cli.runMeasuringPeakMemory("run", "hostile.claims", "--param", "over=127.0.0.1:\(over.port)",
                                                                  "--param", "under=127.0.0.1:\(under.port)")
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(over.connections == 32 && under.connections == 32)
        print("thirtyTwoKafkaAnswersClaiming64MiBStayUnder400MB: peak RSS \(peak / 1_048_576) MiB")
        #expect(peak < 400_000_000, "peak RSS \(peak) bytes")
    }

    /// The last line of a journal, as JSON.
    func lastEvent(_ path: String) throws -> [String: Any] {
        let line = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").last ?? ""
        return (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    /// A scrape of 60 MB of `a 1` lines with `timeout = 5` once peaked at 8.1 GB and took 53 s. Here
    /// the timeout is 10 s, so that a loaded machine's slow download is not the failure.
    /// With the default `max_bytes` it is an error found at 16 MiB; with `max_bytes` raised past
    /// it, the samples meet the run's memory limit and the run stops (exit 3). Either way the run
    /// ends within its timeout plus 2 s and the process stays under 400 MB.
    @Test func aSixtyMegabyteScrapeEndsWithinItsTimeoutUnder400MB() async throws {
        await untilThisProcessKeepsTime()
        let server = try HostileServer.http(body: .repeated("a 1\n", total: 60_000_000))
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/scrape.lua", """
            return runbook {
              name = "hostile.scrape", version = "1.0.0", description = "a 60 MB scrape",
              params = { url = { type = "string", required = true }, max_bytes = { type = "integer", default = 16777216 } },
              run = function(p)
                step("scrape", function() return metrics.scrape(p.url, 10, p.max_bytes) end)
              end,
            }
            """)
        for (maxBytes, status, expected) in [(16 << 20, Int32(1), "larger than 16777216 bytes"), (64 << 20, Int32(3), "metrics.scrape")] {
            let journal = cli.home + "/scrape-\(maxBytes).jsonl"
            let (output, peak) = try await cli.runMeasuringPeakMemory("run", "hostile.scrape", "--param", "url=\(server.url)/metrics",
                                                                      "--param", "max_bytes=\(maxBytes)", "--journal", journal)
            #expect(output.status == status, "\(output.stdout)\(output.stderr)")
            let last = try lastEvent(journal)
            #expect((last["error"] as? String)?.contains(expected) == true, "\(last)")
            let milliseconds = last["duration_ms"] as? Double ?? 99_999
            print("aSixtyMegabyteScrapeEndsWithinItsTimeoutUnder400MB: max_bytes \(maxBytes): \(Int(milliseconds)) ms, peak RSS \(peak / 1_048_576) MiB")
            #expect(milliseconds < 12_000, "the run took \(milliseconds) ms on a 10 s timeout")
            #expect(peak < 400_000_000, "peak RSS \(peak) bytes")
        }
    }

    /// `probe.http { max_body = 10 }` on an endless body once buffered 64 MiB and said "response
    /// too large"; 32 such probes used 2.2 GB.
    @Test func probeHTTPWithMaxBody10OnAnEndlessBodyIsTruncatedUnder150MB() async throws {
        await untilThisProcessKeepsTime()
        let server = try HostileServer.http(body: .endless("0123456789"))
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/endless.lua", """
            return runbook {
              name = "hostile.endless", version = "1.0.0", description = "32 probes of an endless body",
              params = { url = { type = "string", required = true } },
              run = function(p)
                local ids = {}
                for i = 1, 32 do ids[i] = i end
                step("probe", function()
                  for _, r in ipairs(each(ids, function() return probe.http { url = p.url, max_body = 10, timeout = 5 } end, { concurrency = 32 })) do
                    assert(r.ok and r.truncated and #r.body == 10, tostring(r.reason) .. " " .. tostring(#r.body))
                  end
                end)
              end,
            }
            """)
        let journal = cli.home + "/endless.jsonl"
        let (output, peak) = try await cli.runMeasuringPeakMemory("run", "hostile.endless", "--param", "url=\(server.url)/", "--journal", journal)
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        let milliseconds = try lastEvent(journal)["duration_ms"] as? Double ?? 99_999
        print("probeHTTPWithMaxBody10OnAnEndlessBodyIsTruncatedUnder150MB: \(Int(milliseconds)) ms, peak RSS \(peak / 1_048_576) MiB")
        #expect(milliseconds < 5_000, "the probes took \(milliseconds) ms on a 5 s timeout")
        #expect(peak < 150_000_000, "peak RSS \(peak) bytes")
    }
}
