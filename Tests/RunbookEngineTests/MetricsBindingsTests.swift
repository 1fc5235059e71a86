import LuaKit
import RunbookEngine
import Testing

struct MetricsBindingsTests {
    @Test func parsesAnExpositionAndComputesOverASeries() async throws {
        let record = try await run(runbookSource(#"""
            local families = metrics.parse([[
            # HELP node_filesystem_avail_bytes Filesystem space available.
            # TYPE node_filesystem_avail_bytes gauge
            node_filesystem_avail_bytes{device="/dev/nvme1n1",mountpoint="/kafka/datalogs"} 5.5e+10
            # TYPE kafka_server_ReplicaManager_Value gauge
            kafka_server_ReplicaManager_Value{name="UnderReplicatedPartitions"} 3
            ]])
            -- Disk use at 50% growing 1% an hour reaches 85% in 35 hours.
            local series = {}
            for h = 0, 10 do series[#series + 1] = { time = h * 3600, value = 50 + h } end
            local hours = metrics.time_to_threshold(series, 85) / 3600
            step("result", function()
              return {
                families = #families, avail = families[1].samples[1].value,
                mount = families[1].samples[1].labels.mountpoint, urp = families[2].samples[1].value,
                hours = math.floor(hours * 1000 + 0.5) / 1000, max = metrics.max(series), p50 = metrics.percentile(series, 50),
                rate = metrics.rate(series) * 3600, slope = metrics.trend(series).slope * 3600,
                brokers = #msk.bootstrap_brokers("b-1.x.kafka.us-east-1.amazonaws.com:9094,b-2.x.kafka.us-east-1.amazonaws.com:9094"),
                chroot = msk.zookeeper("z-1.x:2181,z-2.x:2181/kafka").chroot,
              }
            end)
            """#))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let result = record.events(.stepFinished).last?.result
        #expect(result?["families"] == 2)
        #expect(result?["avail"] == .number(5.5e10))
        #expect(result?["mount"] == "/kafka/datalogs")
        #expect(result?["urp"] == .number(3))
        #expect(result?["hours"].doubleValue == 25)  // from the last point (hour 10, 60%) to 85%: 25 h
        #expect(result?["max"] == .number(60))
        #expect(result?["p50"] == .number(55))
        #expect(result?["rate"].doubleValue.map { abs($0 - 1) < 1e-9 } == true)
        #expect(result?["slope"].doubleValue.map { abs($0 - 1) < 1e-9 } == true)
        #expect(result?["brokers"] == 2)
        #expect(result?["chroot"] == "/kafka")
    }

    @Test func badInputIsAClearError() async throws {
        let cases: [(String, String)] = [
            ("metrics.parse('up{job=\"x\" 1')", "metrics.parse: line 1:"),
            ("metrics.mean({ { time = 1 } })", "entry 1 needs numeric time and value"),
            ("msk.bootstrap_brokers('b-1:99999')", "port 99999 is outside 1-65535"),
            ("metrics.time_to_threshold({}, 1, 'sideways')", "bad argument #3 (direction): expected one of \"rising\", \"falling\", got \"sideways\""),
        ]
        for (body, expected) in cases {
            let record = try await run(runbookSource(body))
            #expect(record.events(.runFinished).first?.error?.contains(expected) == true,
                    "\(body): \(record.events(.runFinished).first?.error ?? "")")
        }
    }
}
