import LuaKit
import Probes

extension LuaModule {
    /// `zk`: ZooKeeper checks, classed **probe**.
    static let zooKeeper = LuaModule("zk", doc: """
        ZooKeeper checks, classed **probe**. TLS is on by default when every server of the connect string \
        uses 2182 (MSK's ZooKeeper TLS port); `tls` as for `kafka_wire`. A reply whose length prefix \
        claims more than \(ZooKeeperProbe.maxReplySize / 1_048_576) MiB is refused, naming the size it claims (ZooKeeper's own \
        `jute.maxbuffer` is 1 MiB by default). The timeout holds however steadily a server keeps sending.
        """, functions: [
        .primitive("status", effect: .probe, operation: "Status", parameters: [
            connectString, zooKeeperOptions,
        ], returns: .list(.record(ZooKeeperServerRecord.self)),
           doc: """
            Every server of the connect string, probed at once: `ruok`, `srvr`, `mntr` and a session handshake, \
            so "up, four-letter words disabled" is told from "down". `up` means a session could be opened \
            (`session`) and the server did not say it is not serving (`serving`, from `srvr` or `mntr`): a node \
            out of quorum answers `ruok` with `imok` but is not up. The four checks run at once, each on its own \
            connection with the whole timeout, so one that drips cannot starve the others.
            """,
           example: #"zk.status("z-1.demo:2181,z-2.demo:2181,z-3.demo:2181")"#) { arguments, _ in
            let connect = try arguments.string("connect_string")
            let (timeout, tls) = try zooKeeperSettings(arguments, connect: connect)
            return PreparedCall(request: ["connect_string": .string(connect), "timeout": .number(seconds(of: timeout)), "tls": tlsRequest(tls)],
                                target: connect) { _ in
                let servers = try await ZooKeeperProbe.status(connect, timeout: timeout, tls: tls)
                return PrimitiveResult(try LuaEncoder().encode(servers.map(ZooKeeperServerRecord.init)))
            }
        },
        .primitive("children", effect: .probe, operation: "GetChildren", parameters: [
            connectString, .required("path", .string, "An absolute znode path such as `/brokers/ids`"), zooKeeperOptions,
        ], returns: .list(.string),
           doc: "The child names of a znode, the chroot applied; tries servers in order; a missing node is an error naming the path.",
           example: #"zk.children("z-1.demo:2181/kafka", "/brokers/ids")"#) { arguments, _ in
            let connect = try arguments.string("connect_string")
            let path = try arguments.string("path")
            guard path.hasPrefix("/") else { throw LuaHostError("bad argument #2 (path): expected an absolute path such as \"/brokers/ids\"") }
            let (timeout, tls) = try zooKeeperSettings(arguments, connect: connect)
            return PreparedCall(request: ["connect_string": .string(connect), "path": .string(path), "tls": tlsRequest(tls)],
                                target: "\(connect) \(path)") { _ in
                PrimitiveResult(try LuaEncoder().encode(try await ZooKeeperProbe.children(connect, path: path, timeout: timeout, tls: tls)))
            }
        },
    ])

    static let connectString = Parameter.required("connect_string", .string, "`host:port,host:port[/chroot]`")
    static let zooKeeperOptions = Parameter.optional(
        "options", .either(.seconds(0.001...300), .options([timeout, .optional("tls", tlsType, "TLS settings")])),
        "The timeout in seconds, or `{timeout, tls}`")

    /// ZooKeeper's options; TLS is on by default when every server uses 2182, ZooKeeper's
    /// (and MSK's) TLS port.
    static func zooKeeperSettings(_ arguments: Arguments, connect: String) throws -> (Duration, ProbeTLSOptions?) {
        let onTLSPort = (try? ConnectionStrings.zooKeeper(connect).hosts.allSatisfy { $0.port == 2182 }) ?? false
        let given = arguments["options"]
        let seconds = given.doubleValue ?? given["timeout"].doubleValue ?? 3
        let tls = given["tls"] == .nil ? (onTLSPort ? ProbeTLSOptions() : nil) : tlsSettings(given["tls"])
        return (.milliseconds(Int64((seconds * 1000).rounded())), tls)
    }
}

/// One server in `zk.status`'s answer.
struct ZooKeeperServerRecord: LuaRecord {
    static let recordName = "zk.ServerStatus"
    static let example = ZooKeeperServerRecord(
        server: "z-1:2181", up: true, reachable: true, serving: true, session: true, summary: "up, leader, 3.8.4", ruok: true,
        fourLetterWords: true,
        mode: "leader", version: "3.8.4", latencyMs: .init(min: 0, avg: 0.4, max: 12), outstandingRequests: 0, znodeCount: 120,
        error: "connection refused")
    struct Latency: Encodable, Sendable {
        let min: Double
        let avg: Double
        let max: Double
    }
    let server: String
    let up: Bool
    let reachable: Bool
    let serving: Bool?
    let session: Bool
    let summary: String
    let ruok: Bool?
    let fourLetterWords: Bool?
    let mode: String?
    let version: String?
    let latencyMs: Latency?
    let outstandingRequests: Int?
    let znodeCount: Int?
    let error: String?
}

extension ZooKeeperServerRecord {
    init(_ status: ZooKeeperServerStatus) {
        self.init(server: status.server, up: status.isUp, reachable: status.reachable, serving: status.serving,
                  session: status.sessionEstablished,
                  summary: status.summary, ruok: status.ok, fourLetterWords: status.fourLetterWordsAllowed,
                  mode: status.mode?.description, version: status.version,
                  latencyMs: status.latency.map { Latency(min: $0.min, avg: $0.avg, max: $0.max) },
                  outstandingRequests: status.outstandingRequests, znodeCount: status.znodeCount, error: status.error)
    }
}

/// A `tls` option: `true` for TLS with the system trust store, or `{server_name, ca_file, verify = true}`.
let tlsType = ParameterType.either(.boolean, .options([
    .optional("server_name", .string, "The name to send and check"),
    .optional("ca_file", .string, "A PEM file of CAs to trust instead of the system store"),
    .optional("verify", .boolean, default: true, "Whether to verify the certificate"),
]))

/// The checked `tls` option as the probes take it; nil or false for plaintext.
func tlsSettings(_ value: LuaValue) -> ProbeTLSOptions? {
    switch value {
    case .boolean(true): return ProbeTLSOptions()
    case .table: return ProbeTLSOptions(serverName: value["server_name"].stringValue, caFile: value["ca_file"].stringValue,
                                        verify: value["verify"].boolValue ?? true)
    default: return nil
    }
}

/// The `tls` setting as the journal shows it.
func tlsRequest(_ tls: ProbeTLSOptions?) -> LuaValue {
    guard let tls else { return false }
    var table = LuaTable(fields: ["verify": .boolean(tls.verify)])
    if let name = tls.serverName { table.fields["server_name"] = .string(name) }
    if let file = tls.caFile { table.fields["ca_file"] = .string(file) }
    return .table(table)
}
