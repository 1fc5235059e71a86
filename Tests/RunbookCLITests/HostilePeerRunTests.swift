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
}
