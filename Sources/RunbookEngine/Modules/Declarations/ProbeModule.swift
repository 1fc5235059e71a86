import AWSKit
import Foundation
import LuaKit
import Probes

extension LuaModule {
    /// `probe`: network checks, classed **probe**, so they run live in a dry run. A failed
    /// check is an answer (`ok = false` with a `reason`), not an error.
    static let probe = LuaModule("probe", doc: """
        Network checks, classed **probe**: they run live in a dry run. A failed check is an answer \
        (`ok = false`, a `reason` from one vocabulary shared by every probe, and an `error` for people), \
        not an error. All sockets of the process share one epoll thread, so 1,000 probes with `each` take about one timeout.
        """, functions: [
        .primitive("tcp", effect: .probe, operation: "TCP", parameters: [
            .required("options", .options([host, port, timeout]), "Where to connect"),
        ], returns: .record(TCPProbeRecord.self), doc: "Opens a TCP connection and closes it.",
           example: #"probe.tcp { host = "b-1.demo.kafka.us-east-1.amazonaws.com", port = 9094, timeout = 3 }"#) { arguments, _ in
            let (host, port) = (try arguments.string("host"), Int(try arguments.integer("port")))
            let timeout = try arguments.duration("timeout")
            return PreparedCall(request: ["host": .string(host), "port": .integer(Int64(port)), "timeout": arguments["timeout"]],
                                target: "\(host):\(port)") { _ in
                PrimitiveResult(try LuaEncoder().encode(TCPProbeRecord(await TCPProbe.probe(host: host, port: port, timeout: timeout))))
            }
        },
        .primitive("dns", effect: .probe, operation: "DNS", parameters: [
            .required("host", .string, "The name to resolve"), timeout,
        ], returns: .record(DNSProbeRecord.self), doc: "Resolves a host name to its addresses.",
           example: #"probe.dns("b-1.demo.kafka.us-east-1.amazonaws.com")"#) { arguments, _ in
            let host = try arguments.string("host")
            let timeout = try arguments.duration("timeout")
            return PreparedCall(request: ["host": .string(host), "timeout": arguments["timeout"]], target: host) { _ in
                PrimitiveResult(try LuaEncoder().encode(DNSProbeRecord(await DNSProbe.resolve(host, timeout: timeout))))
            }
        },
        .primitive("tls", effect: .probe, operation: "TLS", parameters: [
            .required("options", .options([
                host, port, .optional("server_name", .string, "The name to send (SNI) and check; default `host`"),
                timeout, .optional("ca_file", .string, "A PEM file of CAs to trust instead of the system store"),
            ]), "Where to connect and what to trust"),
        ], returns: .record(TLSProbeRecord.self),
           doc: "Does the TLS handshake and reports the certificate, even when verification fails.",
           example: #"probe.tls { host = "b-1.demo.kafka.us-east-1.amazonaws.com", port = 9094 }"#) { arguments, _ in
            let (host, port) = (try arguments.string("host"), Int(try arguments.integer("port")))
            let (serverName, caFile) = (arguments.optionalString("server_name"), arguments.optionalString("ca_file"))
            let timeout = try arguments.duration("timeout")
            return PreparedCall(request: .table(arguments.table("options")), target: "\(host):\(port)") { _ in
                let result = await TLSProbe.probe(host: host, port: port, serverName: serverName, timeout: timeout, caFile: caFile)
                return PrimitiveResult(try LuaEncoder().encode(TLSProbeRecord(result)))
            }
        },
        .primitive("http", effect: .probe, operation: "HTTP", parameters: [
            .required("options", .options([
                .required("url", .string, "An http:// or https:// URL"), timeout,
                .optional("headers", .map(.string), "Request headers"),
                .optional("max_body", .integer(0...Int64(HTTPPrimitives.maxBodyLimit)), default: .integer(Int64(HTTPPrimitives.maxBody)),
                          "The most body to return; more is cut and marked `truncated`"),
                .optional("ca_file", .string, "A PEM file of CAs to trust instead of the system store"),
            ]), "What to fetch"),
        ], returns: .record(HTTPProbeRecord.self), doc: """
            Sends a GET and reports status, headers and body. `ok` means a 2xx answer. Redirects are \
            reported, never followed: a 3xx is not ok and gives its `location`. A body past `max_body` \
            is cut while it is read and marked `truncated`; headers past 64 KiB fail with \
            `reason = "headers_too_large"`, a malformed chunked body with `"bad_chunked_encoding"`.
            """,
           example: #"probe.http { url = "http://b-1.demo:11001/metrics", timeout = 5 }"#) { arguments, services in
            try HTTPPrimitives.prepare(arguments, transport: services.http)
        },
    ])

    static let host = Parameter.required("host", .string, "Host name or address")
    static let port = Parameter.required("port", .integer(1...65535), "TCP port")
    static let timeout = Parameter.optional("timeout", .seconds(0.001...300), default: .number(3), "Seconds the check may take")
}

/// `probe.tcp`'s answer.
struct TCPProbeRecord: LuaRecord {
    static let recordName = "probe.TCPResult"
    static let example = TCPProbeRecord(ok: false, host: "b-1", port: 9094, address: "10.0.1.5", latencyMs: 3.2,
                                        reason: .timedOut, error: "timed out")
    let ok: Bool
    let host: String
    let port: Int
    let address: String?
    let latencyMs: Double
    let reason: ProbeFailureReason?
    let error: String?

    init(ok: Bool, host: String, port: Int, address: String?, latencyMs: Double, reason: ProbeFailureReason?, error: String?) {
        (self.ok, self.host, self.port, self.address, self.latencyMs, self.reason, self.error) = (ok, host, port, address, latencyMs, reason, error)
    }

    init(_ result: TCPProbeResult) {
        self.init(ok: result.ok, host: result.host, port: result.port, address: result.address, latencyMs: result.latencyMs,
                  reason: result.failure?.reason, error: result.failure?.description)
    }
}

/// `probe.dns`'s answer.
struct DNSProbeRecord: LuaRecord {
    static let recordName = "probe.DNSResult"
    static let example = DNSProbeRecord(ok: true, host: "b-1", addresses: ["10.0.1.5"], latencyMs: 1.1, reason: .nameNotResolved,
                                        error: "name not resolved")
    let ok: Bool
    let host: String
    let addresses: [String]
    let latencyMs: Double
    let reason: ProbeFailureReason?
    let error: String?

    init(ok: Bool, host: String, addresses: [String], latencyMs: Double, reason: ProbeFailureReason?, error: String?) {
        (self.ok, self.host, self.addresses, self.latencyMs, self.reason, self.error) = (ok, host, addresses, latencyMs, reason, error)
    }

    init(_ result: DNSProbeResult) {
        self.init(ok: result.ok, host: result.host, addresses: result.addresses, latencyMs: result.latencyMs,
                  reason: result.failure?.reason, error: result.failure?.description)
    }
}

/// `probe.tls`'s answer.
struct TLSProbeRecord: LuaRecord {
    static let recordName = "probe.TLSResult"
    static let example = TLSProbeRecord(
        ok: true, verified: false, host: "b-1", port: 9094, latencyMs: 12.5, protocolVersion: "TLSv1.3",
        cipher: "TLS_AES_128_GCM_SHA256", verification: "certificate has expired", reason: .tls, error: "TLS handshake failed: ...",
        certificate: Certificate(subject: "CN=*.demo.kafka.us-east-1.amazonaws.com", issuer: "CN=Amazon RSA 2048 M02",
                                 dnsNames: ["*.demo.kafka.us-east-1.amazonaws.com"], ipAddresses: [],
                                 notBefore: "2026-01-01T00:00:00Z", notAfter: "2027-01-01T00:00:00Z", daysLeft: 30))
    struct Certificate: Encodable, Sendable {
        let subject: String
        let issuer: String
        let dnsNames: [String]
        let ipAddresses: [String]
        let notBefore: String
        let notAfter: String
        let daysLeft: Int
    }
    let ok: Bool
    let verified: Bool
    let host: String
    let port: Int
    let latencyMs: Double
    let protocolVersion: String?
    let cipher: String?
    let verification: String?
    let reason: ProbeFailureReason?
    let error: String?
    let certificate: Certificate?

    enum CodingKeys: String, CodingKey {
        case ok, verified, host, port, latencyMs, protocolVersion = "protocol", cipher, verification, reason, error, certificate
    }

    init(ok: Bool, verified: Bool, host: String, port: Int, latencyMs: Double, protocolVersion: String?, cipher: String?,
         verification: String?, reason: ProbeFailureReason?, error: String?, certificate: Certificate?) {
        (self.ok, self.verified, self.host, self.port, self.latencyMs) = (ok, verified, host, port, latencyMs)
        (self.protocolVersion, self.cipher, self.verification, self.reason, self.error, self.certificate) =
            (protocolVersion, cipher, verification, reason, error, certificate)
    }

    init(_ result: TLSProbeResult) {
        self.init(ok: result.ok, verified: result.verified, host: result.host, port: result.port, latencyMs: result.latencyMs,
                  protocolVersion: result.protocolVersion, cipher: result.cipher, verification: result.verification,
                  reason: result.failure?.reason, error: result.failure?.description,
                  certificate: result.certificate.map {
                      Certificate(subject: $0.subject, issuer: $0.issuer, dnsNames: $0.dnsNames, ipAddresses: $0.ipAddresses,
                                  notBefore: $0.notBefore, notAfter: $0.notAfter, daysLeft: $0.daysLeft)
                  })
    }
}
