public import HTTPClient
import LuaKit
import Probes

/// The `probe` module: network checks, classed **probe**, so they run live in a dry run.
/// A failed check is an answer, not an error: `{ok = false, error = "connection refused"}`.
public enum ProbeModules {
    /// The default time a probe may take.
    static let defaultTimeout = 3.0

    /// `probe.tcp{host, port, timeout}`, `probe.dns(host, [timeout])`,
    /// `zk.status(connect_string, [timeout])` and `zk.children(connect_string, path, [timeout])`.
    ///
    /// Also `probe.http{url, timeout, headers, max_body}` and `metrics.scrape(url, [timeout])`,
    /// over `transport` (libcurl, started at the first request, when nil).
    public static func modules(transport: (any HTTPTransport)? = nil) -> [PrimitiveModule] {
        [
            PrimitiveModule(name: "probe", primitives: [tcp, dns, tls, http(transport)]),
            PrimitiveModule(name: "zk", primitives: [zkStatus, zkChildren]),
            PrimitiveModule(name: "kafka_wire", primitives: [apiVersions, metadata]),
            PrimitiveModule(name: "metrics", primitives: [scrape(transport)]),
        ]
    }

    /// `probe.tls{host, port, server_name, timeout, ca_file}`: the handshake and the certificate,
    /// reported even when verification fails, so an expired certificate shows its dates.
    static let tls = Primitive(name: "tls", service: "probe", operation: "TLS", effect: .probe) { arguments in
        guard case .table(let options) = arguments.first ?? .nil else {
            throw LuaHostError("bad argument #1: expected a table {host =, port =, server_name =, timeout =, ca_file =}")
        }
        let value = LuaValue.table(options)
        let (host, port) = try hostAndPort(value)
        let serverName = value["server_name"].stringValue
        let caFile = value["ca_file"].stringValue
        let timeout = try seconds(value["timeout"])
        var request: LuaValue = ["host": .string(host), "port": .integer(port), "timeout": .number(timeout)]
        if case .table(var fields) = request {
            if let serverName { fields.fields["server_name"] = .string(serverName) }
            if let caFile { fields.fields["ca_file"] = .string(caFile) }
            request = .table(fields)
        }
        return PreparedCall(request: request, target: "\(host):\(port)") { _ in
            let result = await TLSProbe.probe(host: host, port: Int(port), serverName: serverName,
                                              timeout: .milliseconds(Int64(timeout * 1000)), caFile: caFile)
            var table = LuaTable(fields: [
                "ok": .boolean(result.ok), "verified": .boolean(result.verified), "host": .string(host),
                "port": .integer(port), "latency_ms": .number(result.latencyMs),
            ])
            if let version = result.protocolVersion { table.fields["protocol"] = .string(version) }
            if let cipher = result.cipher { table.fields["cipher"] = .string(cipher) }
            if let verification = result.verification { table.fields["verification"] = .string(verification) }
            if let failure = result.failure { table.fields["error"] = .string(failure.description) }
            if let certificate = result.certificate {
                table.fields["certificate"] = [
                    "subject": .string(certificate.subject), "issuer": .string(certificate.issuer),
                    "dns_names": .table(LuaTable(array: certificate.dnsNames.map(LuaValue.string))),
                    "ip_addresses": .table(LuaTable(array: certificate.ipAddresses.map(LuaValue.string))),
                    "not_before": .string(certificate.notBefore), "not_after": .string(certificate.notAfter),
                    "days_left": .integer(Int64(certificate.daysLeft)),
                ]
            }
            return PrimitiveResult(.table(table))
        }
    }

    /// `kafka_wire.api_versions{host, port, timeout}`: does the port speak Kafka, and which APIs.
    static let apiVersions = Primitive(name: "api_versions", service: "kafka_wire", operation: "ApiVersions", effect: .probe) { arguments in
        guard case .table(let options) = arguments.first ?? .nil else {
            throw LuaHostError("bad argument #1: expected a table {host =, port =, timeout =}")
        }
        let value = LuaValue.table(options)
        let (host, port) = try hostAndPort(value)
        let timeout = try seconds(value["timeout"])
        let tls = try tlsOptions(value["tls"])
        return PreparedCall(request: ["host": .string(host), "port": .integer(port), "tls": tlsRequest(tls)], target: "\(host):\(port)") { _ in
            let answer = try await KafkaWireProbe.apiVersions(host: host, port: Int(port), timeout: .milliseconds(Int64(timeout * 1000)), tls: tls)
            return PrimitiveResult([
                "error_code": .integer(Int64(answer.errorCode)), "request_version": .integer(Int64(answer.requestVersion)),
                "apis": .table(LuaTable(array: answer.apis.map { api in
                    ["api_key": .integer(Int64(api.apiKey)), "min_version": .integer(Int64(api.minVersion)), "max_version": .integer(Int64(api.maxVersion))]
                })),
            ])
        }
    }

    /// `kafka_wire.metadata{bootstrap, timeout}`: brokers, controller, topics and partitions with
    /// leader, replicas and ISR, and the under-replicated and offline counts.
    static let metadata = Primitive(name: "metadata", service: "kafka_wire", operation: "Metadata", effect: .probe) { arguments in
        guard case .table(let options) = arguments.first ?? .nil, let bootstrap = LuaValue.table(options)["bootstrap"].stringValue else {
            throw LuaHostError("bad argument #1: expected a table {bootstrap = \"b-1:9092,b-2:9092\", timeout =}")
        }
        let timeout = try seconds(LuaValue.table(options)["timeout"])
        let tls = try tlsOptions(LuaValue.table(options)["tls"])
        return PreparedCall(request: ["bootstrap": .string(bootstrap), "tls": tlsRequest(tls)], target: bootstrap) { _ in
            let cluster = try await KafkaWireProbe.metadata(bootstrap: bootstrap, timeout: .milliseconds(Int64(timeout * 1000)), tls: tls)
            let summary = cluster.summary
            func ids(_ list: [Int32]) -> LuaValue { .table(LuaTable(array: list.map { .integer(Int64($0)) })) }
            var result = LuaTable(fields: [
                "answered_by": .string(cluster.answeredBy.description), "api_version": .integer(Int64(cluster.apiVersion)),
                "controller_id": .integer(Int64(cluster.controllerId)),
                "brokers": .table(LuaTable(array: cluster.brokers.map { broker in
                    var entry = LuaTable(fields: ["id": .integer(Int64(broker.nodeId)), "host": .string(broker.host), "port": .integer(Int64(broker.port))])
                    if let rack = broker.rack { entry.fields["rack"] = .string(rack) }
                    return .table(entry)
                })),
                "topics": .table(LuaTable(array: cluster.topics.map { topic in
                    ["name": .string(topic.name), "internal": .boolean(topic.isInternal), "error_code": .integer(Int64(topic.errorCode)),
                     "partitions": .table(LuaTable(array: topic.partitions.map { partition in
                        ["index": .integer(Int64(partition.index)), "leader": .integer(Int64(partition.leader)),
                         "replicas": ids(partition.replicas), "isr": ids(partition.isr), "offline_replicas": ids(partition.offlineReplicas),
                         "under_replicated": .boolean(partition.isUnderReplicated), "offline": .boolean(partition.isOffline),
                         "error_code": .integer(Int64(partition.errorCode))]
                     }))]
                })),
                "summary": [
                    "brokers": .integer(Int64(summary.brokers)), "topics": .integer(Int64(summary.topics)),
                    "partitions": .integer(Int64(summary.partitions)),
                    "under_replicated_partitions": .integer(Int64(summary.underReplicatedPartitions)),
                    "offline_partitions": .integer(Int64(summary.offlinePartitions)),
                ],
            ])
            if let clusterID = cluster.clusterId { result.fields["cluster_id"] = .string(clusterID) }
            return PrimitiveResult(.table(result))
        }
    }

    /// The most body `probe.http` returns by default; more is cut and marked `truncated`.
    static let defaultMaxBody = 1 << 20

    static func http(_ transport: (any HTTPTransport)?) -> Primitive {
        Primitive(name: "http", service: "probe", operation: "HTTP", effect: .probe) { arguments in
            guard case .table(let options) = arguments.first ?? .nil else {
                throw LuaHostError("bad argument #1: expected a table {url =, timeout =, headers =, max_body =}")
            }
            let value = LuaValue.table(options)
            let url = try httpURL(value["url"])
            let timeout = try seconds(value["timeout"])
            let maxBody = value["max_body"] == .nil ? defaultMaxBody : Int(value["max_body"].intValue ?? -1)
            guard maxBody >= 0 else { throw LuaHostError("max_body must be a non-negative integer") }
            var headers: [(name: String, value: String)] = []
            if case .table(let given) = value["headers"] {
                for (name, text) in given.fields.sorted(by: { $0.key.description < $1.key.description }) {
                    guard let name = name.stringValue, let text = text.stringValue else { throw LuaHostError("headers must map names to strings") }
                    headers.append((name, text))
                }
            }
            let sentHeaders = headers
            return PreparedCall(request: ["method": "GET", "url": .string(url)], target: url) { _ in
                let started = ContinuousClock.now
                do {
                    let response = try await (transport ?? CurlTransport.shared).send(
                        HTTPRequest(method: "GET", url: url, headers: sentHeaders, timeout: .milliseconds(Int64(timeout * 1000))))
                    let body = response.body.prefix(maxBody)
                    var fields = LuaTable()
                    for header in response.headers { fields.fields[.string(header.name.lowercased())] = .string(header.value) }
                    return PrimitiveResult(.table(LuaTable(fields: [
                        "ok": .boolean((200..<400).contains(response.status)), "status": .integer(Int64(response.status)),
                        "headers": .table(fields), "body": .string(String(decoding: body, as: UTF8.self)),
                        "truncated": .boolean(response.body.count > maxBody), "latency_ms": .number(milliseconds(since: started)),
                    ])))
                } catch let error as HTTPTransportError {
                    return PrimitiveResult(.table(LuaTable(fields: [
                        "ok": false, "error": .string(error.description), "reason": .string(error.kind.rawValue),
                        "latency_ms": .number(milliseconds(since: started)),
                    ])))
                }
            }
        }
    }

    /// `metrics.scrape(url)`: a Prometheus endpoint (MSK open monitoring: :11001 JMX, :11002 node),
    /// parsed like `metrics.parse`. Unlike `probe.http`, a failed scrape is an error.
    static func scrape(_ transport: (any HTTPTransport)?) -> Primitive {
        Primitive(name: "scrape", service: "metrics", operation: "Scrape", effect: .probe) { arguments in
            let url = try httpURL(arguments.first ?? .nil)
            let timeout = try seconds(arguments.count > 1 ? arguments[1] : .nil)
            return PreparedCall(request: ["method": "GET", "url": .string(url)], target: url) { _ in
                let response = try await (transport ?? CurlTransport.shared).send(
                    HTTPRequest(method: "GET", url: url, headers: [("Accept", "text/plain")], timeout: .milliseconds(Int64(timeout * 1000))))
                guard response.status == 200 else { throw LuaHostError("\(url) answered HTTP \(response.status)") }
                let parsed: PrometheusText
                do {
                    parsed = try PrometheusText(parsing: String(decoding: response.body, as: UTF8.self))
                } catch {
                    throw LuaHostError("\(url): \(error)")
                }
                return PrimitiveResult(.table(LuaTable(array: parsed.families.map(MetricsBindings.familyValue))))
            }
        }
    }

    private static func httpURL(_ value: LuaValue) throws -> String {
        guard case .string(let url) = value, url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw LuaHostError("url must be an http:// or https:// URL, got \(value)")
        }
        return url
    }

    /// Every server of a ZooKeeper connect string: four-letter words and a session handshake,
    /// so "up, four-letter words disabled" is told apart from "down".
    static let zkStatus = Primitive(name: "status", service: "zk", operation: "Status", effect: .probe) { arguments in
        guard case .string(let connect) = arguments.first ?? .nil, !connect.isEmpty else {
            throw LuaHostError("bad argument #1 (connect_string): expected a string such as \"z-1:2181,z-2:2181/kafka\"")
        }
        let (timeout, tls) = try zooKeeperOptions(arguments.count > 1 ? arguments[1] : .nil, connect: connect)
        return PreparedCall(request: ["connect_string": .string(connect), "timeout": .number(timeout), "tls": tlsRequest(tls)],
                            target: connect) { _ in
            let servers = try await ZooKeeperProbe.status(connect, timeout: .milliseconds(Int64(timeout * 1000)), tls: tls)
            return PrimitiveResult(.table(LuaTable(array: servers.map(statusValue))))
        }
    }

    /// The children of a znode (`/brokers/ids`), with the connect string's chroot applied.
    static let zkChildren = Primitive(name: "children", service: "zk", operation: "GetChildren", effect: .probe) { arguments in
        guard case .string(let connect) = arguments.first ?? .nil, !connect.isEmpty else {
            throw LuaHostError("bad argument #1 (connect_string): expected a string")
        }
        guard arguments.count > 1, case .string(let path) = arguments[1], path.hasPrefix("/") else {
            throw LuaHostError("bad argument #2 (path): expected an absolute path such as \"/brokers/ids\"")
        }
        let (timeout, tls) = try zooKeeperOptions(arguments.count > 2 ? arguments[2] : .nil, connect: connect)
        return PreparedCall(request: ["connect_string": .string(connect), "path": .string(path), "tls": tlsRequest(tls)],
                            target: "\(connect) \(path)") { _ in
            let children = try await ZooKeeperProbe.children(connect, path: path, timeout: .milliseconds(Int64(timeout * 1000)), tls: tls)
            return PrimitiveResult(.table(LuaTable(array: children.map(LuaValue.string))))
        }
    }

    private static func statusValue(_ status: ZooKeeperServerStatus) -> LuaValue {
        var table = LuaTable(fields: [
            "server": .string(status.server), "up": .boolean(status.isUp), "reachable": .boolean(status.reachable),
            "session": .boolean(status.sessionEstablished), "summary": .string(status.summary),
        ])
        if let ok = status.ok { table.fields["ruok"] = .boolean(ok) }
        if let allowed = status.fourLetterWordsAllowed { table.fields["four_letter_words"] = .boolean(allowed) }
        if let mode = status.mode { table.fields["mode"] = .string(mode.description) }
        if let version = status.version { table.fields["version"] = .string(version) }
        if let latency = status.latency {
            table.fields["latency_ms"] = ["min": .number(latency.min), "avg": .number(latency.avg), "max": .number(latency.max)]
        }
        if let outstanding = status.outstandingRequests { table.fields["outstanding_requests"] = .integer(Int64(outstanding)) }
        if let znodes = status.znodeCount { table.fields["znode_count"] = .integer(Int64(znodes)) }
        if let error = status.error { table.fields["error"] = .string(error) }
        return .table(table)
    }

    static let tcp = Primitive(name: "tcp", service: "probe", operation: "TCP", effect: .probe) { arguments in
        guard case .table(let options) = arguments.first ?? .nil else {
            throw LuaHostError("bad argument #1: expected a table {host =, port =, timeout =}")
        }
        let value = LuaValue.table(options)
        let (host, port) = try hostAndPort(value)
        let timeout = try seconds(value["timeout"])
        return PreparedCall(request: ["host": .string(host), "port": .integer(port), "timeout": .number(timeout)],
                            target: "\(host):\(port)") { _ in
            let result = await TCPProbe.probe(host: host, port: Int(port), timeout: .milliseconds(Int64(timeout * 1000)))
            var table = LuaTable(fields: [
                "ok": .boolean(result.ok), "host": .string(host), "port": .integer(port), "latency_ms": .number(result.latencyMs),
            ])
            if let address = result.address { table.fields["address"] = .string(address) }
            if let failure = result.failure {
                table.fields["error"] = .string(failure.description)
                table.fields["reason"] = .string(reasonName(failure))
            }
            return PrimitiveResult(.table(table))
        }
    }

    static let dns = Primitive(name: "dns", service: "probe", operation: "DNS", effect: .probe) { arguments in
        guard case .string(let host) = arguments.first ?? .nil, !host.isEmpty else {
            throw LuaHostError("bad argument #1 (host): expected a non-empty string")
        }
        let timeout = try seconds(arguments.count > 1 ? arguments[1] : .nil)
        return PreparedCall(request: ["host": .string(host), "timeout": .number(timeout)], target: host) { _ in
            let result = await DNSProbe.resolve(host, timeout: .milliseconds(Int64(timeout * 1000)))
            var table = LuaTable(fields: [
                "ok": .boolean(result.ok), "host": .string(host), "latency_ms": .number(result.latencyMs),
                "addresses": .table(LuaTable(array: result.addresses.map(LuaValue.string))),
            ])
            if let failure = result.failure { table.fields["error"] = .string(failure.description) }
            return PrimitiveResult(.table(table))
        }
    }

    /// A `tls` option: `true` for TLS with the system trust store, or a table
    /// `{server_name, ca_file, verify = true}`; nil or false for plaintext.
    private static func tlsOptions(_ value: LuaValue) throws -> ProbeTLSOptions? {
        switch value {
        case .nil, .boolean(false): return nil
        case .boolean(true): return ProbeTLSOptions()
        case .table:
            let verify = value["verify"]
            guard verify == .nil || verify.boolValue != nil else { throw LuaHostError("tls.verify must be true or false") }
            return ProbeTLSOptions(serverName: value["server_name"].stringValue, caFile: value["ca_file"].stringValue,
                                   verify: verify.boolValue ?? true)
        default: throw LuaHostError("tls must be true or a table {server_name, ca_file, verify}, got \(value)")
        }
    }

    /// ZooKeeper's options: a number (the timeout) or `{timeout, tls}`. TLS is on by default
    /// when every server of the connect string uses 2182, ZooKeeper's (and MSK's) TLS port.
    private static func zooKeeperOptions(_ value: LuaValue, connect: String) throws -> (Double, ProbeTLSOptions?) {
        let onTLSPort = (try? ConnectionStrings.zooKeeper(connect).hosts.allSatisfy { $0.port == 2182 }) ?? false
        switch value {
        case .table:
            let tls = value["tls"] == .nil ? (onTLSPort ? ProbeTLSOptions() : nil) : try tlsOptions(value["tls"])
            return (try seconds(value["timeout"]), tls)
        default:
            return (try seconds(value), onTLSPort ? ProbeTLSOptions() : nil)
        }
    }

    private static func tlsRequest(_ tls: ProbeTLSOptions?) -> LuaValue {
        guard let tls else { return false }
        var table = LuaTable(fields: ["verify": .boolean(tls.verify)])
        if let name = tls.serverName { table.fields["server_name"] = .string(name) }
        if let file = tls.caFile { table.fields["ca_file"] = .string(file) }
        return .table(table)
    }

    /// The `host` and `port` fields every socket probe takes.
    private static func hostAndPort(_ options: LuaValue) throws -> (String, Int64) {
        guard let host = options["host"].stringValue, !host.isEmpty else { throw LuaHostError("host must be a non-empty string") }
        guard let port = options["port"].intValue, (1...65535).contains(port) else {
            throw LuaHostError("port must be an integer from 1 to 65535, got \(options["port"])")
        }
        return (host, port)
    }

    private static func seconds(_ value: LuaValue) throws -> Double {
        if value == .nil { return defaultTimeout }
        guard let seconds = value.doubleValue, seconds > 0, seconds <= 300 else {
            throw LuaHostError("timeout must be a number of seconds from 0 to 300, got \(value)")
        }
        return seconds
    }

    private static func reasonName(_ failure: TCPProbeFailure) -> String {
        switch failure {
        case .refused: "refused"
        case .timedOut: "timed_out"
        case .unreachable: "unreachable"
        case .nameNotResolved: "name_not_resolved"
        case .cancelled: "cancelled"
        case .other: "other"
        }
    }
}
