import AWSKit
import HTTPClient
import Foundation
import LuaKit
import Probes

/// `probe.http` and `metrics.scrape`: GETs over the engine's HTTP transport.
enum HTTPProbeDefaults {
    /// The most body `probe.http` returns by default.
    static let maxBody = 1 << 20
    /// The most `max_body` may ask for.
    static let maxBodyLimit = 64 << 20

    static func prepare(_ arguments: Arguments, transport: any HTTPTransport) throws -> PreparedCall {
        let url = try httpURL(try arguments.string("url"))
        let timeout = try arguments.duration("timeout")
        let maxBody = Int(try arguments.integer("max_body"))
        let headers = arguments.table("headers").fields.compactMap { key, value -> (name: String, value: String)? in
            guard let name = key.stringValue, let text = value.stringValue else { return nil }
            return (name, text)
        }.sorted { $0.name < $1.name }
        return PreparedCall(request: ["method": "GET", "url": .string(url)], target: url) { _ in
            let started = ContinuousClock.now
            do {
                let response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers, timeout: timeout))
                var fields: [String: String] = [:]
                for header in response.headers { fields[header.name.lowercased()] = header.value }
                return PrimitiveResult(try LuaEncoder().encode(HTTPProbeRecord(
                    ok: (200..<400).contains(response.status), url: url, status: response.status, headers: fields,
                    body: String(decoding: response.body.prefix(maxBody), as: UTF8.self), truncated: response.body.count > maxBody,
                    latencyMs: milliseconds(since: started), reason: nil, error: nil)))
            } catch let error as HTTPTransportError {
                return PrimitiveResult(try LuaEncoder().encode(HTTPProbeRecord(
                    ok: false, url: url, status: nil, headers: nil, body: nil, truncated: nil, latencyMs: milliseconds(since: started),
                    reason: nil, error: error.description)))
            }
        }
    }

    static func scrape(_ arguments: Arguments, transport: any HTTPTransport) throws -> PreparedCall {
        let url = try httpURL(try arguments.string("url"))
        let timeout = try arguments.duration("timeout")
        return PreparedCall(request: ["method": "GET", "url": .string(url)], target: url) { _ in
            let response = try await transport.send(
                HTTPRequest(method: "GET", url: url, headers: [("Accept", "text/plain")], timeout: timeout))
            guard response.status == 200 else { throw LuaHostError("\(url) answered HTTP \(response.status)") }
            let parsed: PrometheusText
            do {
                parsed = try PrometheusText(parsing: String(decoding: response.body, as: UTF8.self))
            } catch {
                throw LuaHostError("\(url): \(error)")
            }
            return PrimitiveResult(try LuaEncoder().encode(parsed.families.map(MetricFamilyRecord.init)))
        }
    }

    private static func httpURL(_ url: String) throws -> String {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw LuaHostError("url must be an http:// or https:// URL, got \(ArgumentChecker.shown(.string(url)))")
        }
        return url
    }
}

/// `probe.http`'s answer.
struct HTTPProbeRecord: LuaRecord {
    static let recordName = "probe.HTTPResult"
    static let example = HTTPProbeRecord(
        ok: true, url: "http://b-1:11001/metrics", status: 200, headers: ["content-type": "text/plain"], body: "...",
        truncated: false, latencyMs: 4.2, reason: .refused, error: "connection refused")
    let ok: Bool
    let url: String
    let status: Int?
    let headers: [String: String]?
    let body: String?
    let truncated: Bool?
    let latencyMs: Double
    let reason: ProbeFailureReason?
    let error: String?
}
