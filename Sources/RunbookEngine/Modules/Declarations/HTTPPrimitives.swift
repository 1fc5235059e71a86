import HTTPClient
import LuaKit
import Probes

/// `probe.http` and `metrics.scrape` over Probes' HTTP probe and scrape, on the engine's transport.
enum HTTPPrimitives {
    /// The most body `probe.http` returns by default.
    static let maxBody = HTTPProbe.defaultMaxBody
    /// The most `max_body` may ask for.
    static let maxBodyLimit = 64 << 20

    static func prepare(_ arguments: Arguments, transport: any HTTPTransport) throws -> PreparedCall {
        let url = try arguments.string("url")
        let timeout = try arguments.duration("timeout")
        let maxBody = Int(try arguments.integer("max_body"))
        let caFile = arguments.optionalString("ca_file")
        let headers = arguments.table("headers").fields.compactMap { key, value -> (name: String, value: String)? in
            guard let name = key.stringValue, let text = value.stringValue else { return nil }
            return (name, text)
        }.sorted { $0.name < $1.name }
        try HTTPProbe.validate(url: url, headers: headers, maxBody: maxBody)
        var request = LuaTable(fields: ["method": "GET", "url": .string(url)])
        if let caFile { request.fields["ca_file"] = .string(caFile) }
        return PreparedCall(request: .table(request), target: url) { _ in
            let result = try await HTTPProbe.get(url: url, headers: headers, timeout: timeout, maxBody: maxBody, caFile: caFile,
                                                 transport: transport)
            return PrimitiveResult(try LuaEncoder().encode(HTTPProbeRecord(result)))
        }
    }

    static func scrape(_ arguments: Arguments, transport: any HTTPTransport) throws -> PreparedCall {
        let url = try arguments.string("url")
        let timeout = try arguments.duration("timeout")
        let maxBytes = Int(try arguments.integer("max_bytes"))
        try PrometheusScrape.validate(url: url, maxBytes: maxBytes)
        let limit = arguments.answerLimit
        return PreparedCall(request: ["method": "GET", "url": .string(url), "max_bytes": .integer(Int64(maxBytes))], target: url) { _ in
            let parsed: PrometheusText
            do {
                parsed = try await PrometheusScrape.scrape(url: url, timeout: timeout, transport: transport, maxBytes: maxBytes,
                                                           maximumSamples: limit.map { $0 / minimumSampleBytes })
            } catch let error as ProbeError where error.sampleLimit != nil {
                throw LuaAnswerTooLarge("\(url), with more than \(error.sampleLimit ?? 0) samples,", available: limit ?? 0)
            }
            return PrimitiveResult(try LuaEncoder().encode(parsed.families.map(MetricFamilyRecord.init)))
        }
    }

    /// The least Lua memory one scraped sample takes: its table of four fields and its
    /// labels table, strings aside.
    static let minimumSampleBytes = 56 + 4 * 32 + 56
}

/// `probe.http`'s answer.
struct HTTPProbeRecord: LuaRecord {
    static let recordName = "probe.HTTPResult"
    static let example = HTTPProbeRecord(
        ok: true, url: "http://b-1:11001/metrics", status: 200, headers: ["content-type": "text/plain"], location: "/login",
        body: "...", truncated: false, latencyMs: 4.2, reason: .refused, error: "connection refused")
    let ok: Bool
    let url: String
    let status: Int?
    let headers: [String: String]
    let location: String?
    /// Lua strings are bytes: a binary body reaches Lua as sent.
    let body: LuaValue
    let truncated: Bool
    let latencyMs: Double
    let reason: ProbeFailureReason?
    let error: String?
}

extension HTTPProbeRecord {
    init(_ result: HTTPProbeResult) {
        self.init(ok: result.ok, url: result.url, status: result.status, headers: result.headers, location: result.location,
                  body: .bytes(result.body),
                  truncated: result.truncated, latencyMs: result.latencyMs, reason: result.failure?.reason,
                  error: result.failure?.description)
    }
}
