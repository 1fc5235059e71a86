import LuaKit
import Probes

extension LuaModule {
    /// `msk`: MSK's connection strings, pure.
    static let msk = LuaModule("msk", doc: "Amazon MSK's connection strings, as lists of hosts. Pure: no I/O.", functions: [
        .pure("bootstrap_brokers", parameters: [.required("brokers", .string, "A bootstrap broker string, as GetBootstrapBrokers gives it")],
              returns: .list(.record(HostPortRecord.self)), doc: "Splits a bootstrap broker string into hosts and ports.",
              example: #"msk.bootstrap_brokers(answer.BootstrapBrokerStringTls)"#) { arguments in
            try ConnectionStrings.bootstrapBrokers(try arguments.string("brokers")).map(HostPortRecord.init)
        },
        .pure("zookeeper", parameters: [.required("connect_string", .string, "A ZooKeeper connect string, with an optional chroot")],
              returns: .record(ZooKeeperConnectRecord.self), doc: "Splits a ZooKeeper connect string into hosts and its chroot.",
              example: #"msk.zookeeper(cluster.ZookeeperConnectString)"#) { arguments in
            let connect = try ConnectionStrings.zooKeeper(try arguments.string("connect_string"))
            return ZooKeeperConnectRecord(hosts: connect.hosts.map(HostPortRecord.init), chroot: connect.chroot)
        },
    ])
}

/// A host and port.
struct HostPortRecord: LuaRecord {
    static let recordName = "msk.HostPort"
    static let example = HostPortRecord(host: "b-1.demo.kafka.us-east-1.amazonaws.com", port: 9094)
    let host: String
    let port: Int
}

extension HostPortRecord {
    init(_ host: HostPort) { self.init(host: host.host, port: host.port) }
}

/// `msk.zookeeper`'s answer.
struct ZooKeeperConnectRecord: LuaRecord {
    static let recordName = "msk.ZooKeeperConnect"
    static let example = ZooKeeperConnectRecord(hosts: [HostPortRecord.example], chroot: "/kafka")
    let hosts: [HostPortRecord]
    let chroot: String?
}
