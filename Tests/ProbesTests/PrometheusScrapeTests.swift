import Probes
import Testing
import TestSupport

/// `PrometheusScrape` against Debian's prometheus-node-exporter and, for its errors,
/// Tests/Support/http_test_server.py; all on 127.0.0.1.
struct PrometheusScrapeTests {
    @Test func scrapesANodeExporter() async throws {
        let exporter = try await LoopbackProcess("prometheus-node-exporter") { ["--web.listen-address=127.0.0.1:\($0)"] }
        let text = try await PrometheusScrape.scrape(url: exporter.url + "/metrics", timeout: .seconds(10))
        #expect(text.families.count > 50)
        #expect(text.family(named: "node_cpu_seconds_total")?.type == .counter)
        #expect(!text.samples(named: "node_cpu_seconds_total").isEmpty)
    }

    @Test func aScrapeThatGetsNoUsableAnswerIsAnErrorNamingTheURL() async throws {
        let server = try await LoopbackServer(script: "http_test_server.py")
        let closed = "http://127.0.0.1:\(try freePort())/metrics"
        let cases: [(url: String, maxBytes: Int, says: String)] = [
            (closed, PrometheusScrape.defaultMaxBytes, "\(closed): connection refused"),
            (server.url + "/status/503", PrometheusScrape.defaultMaxBytes, "\(server.url)/status/503 answered HTTP 503"),
            (server.url + "/status/200", PrometheusScrape.defaultMaxBytes, "\(server.url)/status/200: line 1:"),
            (server.url + "/stall?bytes=4096&ms=10000", 1000, "\(server.url)/stall?bytes=4096&ms=10000: the body is larger than 1000 bytes, the scrape's size limit; raise it if the endpoint is the one meant"),
        ]
        for (url, maxBytes, says) in cases {
            let error = await #expect(throws: ProbeError.self) {
                _ = try await PrometheusScrape.scrape(url: url, timeout: .seconds(5), maxBytes: maxBytes)
            }
            #expect(error?.description.hasPrefix(says) == true, "\(error?.description ?? "no error")")
        }
    }

    @Test func aScrapeWithBadArgumentsThrowsBeforeAnyIO() async throws {
        let transport = CountingTransport()
        await #expect(throws: ProbeError.self) {
            _ = try await PrometheusScrape.scrape(url: "file:///etc/passwd", timeout: .seconds(1), transport: transport)
        }
        await #expect(throws: ProbeError.self) {
            _ = try await PrometheusScrape.scrape(url: "http://127.0.0.1:9100/metrics", timeout: .seconds(1), transport: transport, maxBytes: -1)
        }
        #expect(transport.count == 0)
    }
}
