import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// `probe.tcp` and `probe.dns` on 127.0.0.1 only: an open port (a test server), closed
/// ports, and a name under the reserved `.invalid` domain.
@Suite(.serialized)  // each test starts a Python server; a suite's worth at once stalls a small machine
struct ProbeModuleTests {
    func run(_ body: String, dryRun: Bool = false) async throws -> RunRecord {
        try await RunbookEngineTests.run(runbookSource(body), dryRun: dryRun)
    }

    @Test func tcpAndDnsAnswerWithDataEvenInADryRun() async throws {
        let server = try await LoopbackServer(script: "http_test_server.py")
        let closed = try freePort()
        let record = try await run("""
            local open = probe.tcp { host = "127.0.0.1", port = \(server.port), timeout = 2 }
            local shut = probe.tcp { host = "127.0.0.1", port = \(closed), timeout = 2 }
            local name = probe.dns("nosuchhost.invalid", 2)
            local literal = probe.dns("127.0.0.1")
            step("result", function()
              return { open = open.ok, address = open.address, shut = shut.ok, reason = shut.reason, error = shut.error,
                       name = name.ok, literal = literal.addresses[1] }
            end)
            """, dryRun: true)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == [
            "open": true, "address": "127.0.0.1", "shut": false, "reason": "refused", "error": "connection refused",
            "name": false, "literal": "127.0.0.1",
        ])
        // Probes run live in a dry run: nothing was planned.
        #expect(record.events(.call).count == 4)
        #expect(record.events(.call).allSatisfy { $0.planned == false && $0.effect == "probe" })
        #expect(record.events(.call).first?.summary == "127.0.0.1:\(server.port)")
    }

    @Test func manyProbesAtOnceWithEachAreEachRight() async throws {
        let server = try await LoopbackServer(script: "http_test_server.py")
        let closed = try freePort()
        let record = try await run("""
            local targets = {}
            for i = 1, 300 do targets[i] = (i % 3 == 0) and \(closed) or \(server.port) end
            local results = each(targets, function(port) return probe.tcp { host = "127.0.0.1", port = port, timeout = 5 } end,
                                 { concurrency = 300 })
            local open, refused = 0, 0
            for i, r in ipairs(results) do
              if r.ok then open = open + 1 elseif r.reason == "refused" then refused = refused + 1 end
              assert(r.ok == (i % 3 ~= 0), "target " .. i .. " answered wrongly")
            end
            step("counts", function() return { open = open, refused = refused } end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == ["open": 200, "refused": 100])
    }

    /// The ZooKeeper client itself is tested against real servers in ProbesTests; this checks
    /// the Lua side: a down server is data for status and an error naming it for children.
    @Test func zkStatusAndChildrenReachLua() async throws {
        let closed = try freePort()
        let record = try await run("""
            local servers = zk.status("127.0.0.1:\(closed)", 2)
            local ok, err = pcall(zk.children, "127.0.0.1:\(closed)/kafka", "/brokers/ids", 2)
            step("result", function()
              return { count = #servers, up = servers[1].up, reachable = servers[1].reachable, ok = ok,
                       names = tostring(err):find("127.0.0.1:\(closed)", 1, true) ~= nil }
            end)
            """, dryRun: true)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == ["count": 1, "up": false, "reachable": false, "ok": false, "names": true])
        #expect(record.events(.call).map(\.operation) == ["Status", "GetChildren"])
    }

    /// A node out of quorum (scripted: `imok`, "not currently serving requests", sessions closed)
    /// was `up = true, summary = "up"`; the record now says why it is not up.
    @Test func aZooKeeperOutOfQuorumIsNotReportedUpToLua() async throws {
        await untilThisProcessKeepsTime()
        let server = try HostileServer.ZooKeeper.outOfQuorum()
        let record = try await run("""
            local s = zk.status("127.0.0.1:\(server.port)", 5)[1]
            step("result", function()
              return { up = s.up, ruok = s.ruok, serving = s.serving, session = s.session,
                       summary = s.summary:sub(1, 26) }
            end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == [
            "up": false, "ruok": true, "serving": false, "session": false, "summary": "reachable but not serving:",
        ])
    }

    /// A real node_exporter (Debian's prometheus-node-exporter), what MSK serves on :11002.
    @Test func scrapesANodeExporterAndProbesItOverHTTP() async throws {
        let exporter = try await LoopbackProcess("prometheus-node-exporter") { ["--web.listen-address=127.0.0.1:\($0)"] }
        let closed = try freePort()
        let record = try await run("""
            local families = metrics.scrape("\(exporter.url)/metrics", 10)
            local cpu, kinds = nil, {}
            for _, family in ipairs(families) do
              kinds[family.type] = true
              if family.name == "node_cpu_seconds_total" then cpu = family end
            end
            local page = probe.http { url = "\(exporter.url)/metrics", max_body = 100 }
            local down = probe.http { url = "http://127.0.0.1:\(closed)/", timeout = 2 }
            local ok, err = pcall(metrics.scrape, "http://127.0.0.1:\(closed)/metrics", 2)
            step("result", function()
              return { families = #families > 50, cpu = cpu.type, cpu_samples = #cpu.samples > 0, gauges = kinds.gauge == true,
                       status = page.status, truncated = page.truncated, body = #page.body, content_type = page.headers["content-type"] ~= nil,
                       down = down.ok, reason = down.reason, scrape_failed = not ok }
            end)
            """, dryRun: true)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == [
            "families": true, "cpu": "counter", "cpu_samples": true, "gauges": true, "status": 200, "truncated": true,
            "body": 100, "content_type": true, "down": false, "reason": "refused", "scrape_failed": true,
        ])
    }

    /// Certificates (valid, expired, wrong name) are tested against stunnel in ProbesTests;
    /// this checks the Lua side with a server that does not speak TLS and a closed port.
    @Test func tlsReportsAFailedHandshakeAsData() async throws {
        let server = try await LoopbackServer(script: "http_test_server.py")
        let closed = try freePort()
        let record = try await run("""
            local plain = probe.tls { host = "127.0.0.1", port = \(server.port), timeout = 3 }
            local shut = probe.tls { host = "127.0.0.1", port = \(closed), timeout = 3 }
            step("result", function()
              return { plain = plain.ok, wrong_version = tostring(plain.error):find("wrong version number", 1, true) ~= nil,
                       shut = shut.ok, refused = tostring(shut.error):find("refused", 1, true) ~= nil }
            end)
            """, dryRun: true)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == ["plain": false, "wrong_version": true, "shut": false, "refused": true])
    }

    /// librdkafka's mock cluster: 3 brokers, a topic with 6 partitions.
    @Test func kafkaWireReadsTheMockClustersMetadata() async throws {
        let cluster = try await KafkaMockCluster.start(brokers: 3, topics: ["orders:6:3"])
        defer { cluster.stop() }
        let bootstrap = cluster.bootstrap
        let port = cluster.ports[0]
        let record = try await run("""
            local versions = kafka_wire.api_versions { host = "127.0.0.1", port = \(port), timeout = 5 }
            local metadata = kafka_wire.metadata { bootstrap = "\(bootstrap)", timeout = 5 }
            local orders
            for _, topic in ipairs(metadata.topics) do if topic.name == "orders" then orders = topic end end
            local lists_metadata = false
            for _, api in ipairs(versions.apis) do if api.api_key == 3 then lists_metadata = true end end
            step("result", function()
              return { metadata_api = lists_metadata, brokers = metadata.summary.brokers, partitions = #orders.partitions,
                       urp = metadata.summary.under_replicated_partitions, offline = metadata.summary.offline_partitions,
                       replicas = #orders.partitions[1].replicas }
            end)
            """, dryRun: true)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == [
            "metadata_api": true, "brokers": 3, "partitions": 6, "urp": 0, "offline": 0, "replicas": 3,
        ])
        // TLS asked of a plaintext broker: the handshake fails, and the error says so.
        // (TLS that works is tested through stunnel in ProbesTests.)
        let tls = try await run("""
            local ok, err = pcall(kafka_wire.api_versions, { host = "127.0.0.1", port = \(port), timeout = 3, tls = true })
            step("tls", function() return { ok = ok, handshake = tostring(err):find("TLS", 1, true) ~= nil } end)
            """)
        #expect(tls.events(.stepFinished).last?.result == ["ok": false, "handshake": true], "\(tls.events(.stepFinished).last?.result ?? .nil)")
        #expect(tls.events(.call).first?.request?["tls"] == ["verify": true])
        withExtendedLifetime(cluster) {}
    }

    @Test func badArgumentsAreClearErrors() async throws {
        let cases: [(String, String)] = [
            ("probe.tcp { host = \"127.0.0.1\", port = 70000 }", "probe.tcp: port: expected an integer from 1 to 65535, got 70000"),
            ("probe.tcp { port = 1 }", "probe.tcp: host: expected a non-empty string, got nil"),
            ("probe.dns(\"x\", -1)", "probe.dns: bad argument #2 (timeout): expected a number of seconds from 0.001 to 300, got -1"),
        ]
        for (body, expected) in cases {
            let record = try await run(body)
            #expect(record.events(.runFinished).first?.error?.contains(expected) == true,
                    "\(body): \(record.events(.runFinished).first?.error ?? "")")
        }
    }

}
