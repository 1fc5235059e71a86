import LuaKit
import Probes

extension LuaModule {
    /// `kafka_wire`: the Kafka protocol itself, classed **probe**.
    static let kafkaWire = LuaModule("kafka_wire", doc: """
        The Kafka wire protocol, classed **probe**: what the brokers themselves say. `tls = true` uses the \
        system trust store, or `{server_name, ca_file, verify}` (MSK's TLS port is 9094). SASL and IAM \
        listeners (9096, 9098) are out of scope for now. An answer whose size prefix claims more than \
        \(KafkaWireProbe.maxResponseSize / 1_048_576) MiB is refused, naming the size it claims (a big cluster's metadata is \
        a few MB); the buffer grows only as bytes arrive. The `timeout` covers connecting, every request and \
        decoding the answer, however steadily the broker keeps sending.
        """, functions: [
        .primitive("api_versions", effect: .probe, operation: "ApiVersions", parameters: [
            .required("options", .options([host, port, timeout, .optional("tls", tlsType, "TLS settings")]), "Which broker"),
        ], returns: .record(KafkaApiVersionsRecord.self), doc: "Does the port speak Kafka, and which APIs and versions.",
           example: #"kafka_wire.api_versions { host = "b-1.demo", port = 9094, tls = true }"#) { arguments, _ in
            let (host, port) = (try arguments.string("host"), Int(try arguments.integer("port")))
            let timeout = try arguments.duration("timeout")
            let tls = tlsSettings(arguments["tls"])
            return PreparedCall(request: ["host": .string(host), "port": .integer(Int64(port)), "tls": tlsRequest(tls)],
                                target: "\(host):\(port)") { _ in
                let answer = try await KafkaWireProbe.apiVersions(host: host, port: port, timeout: timeout, tls: tls)
                return PrimitiveResult(try LuaEncoder().encode(KafkaApiVersionsRecord(answer)))
            }
        },
        .primitive("metadata", effect: .probe, operation: "Metadata", parameters: [
            .required("options", .options([
                .required("bootstrap", .string, "`host:port,host:port`, as GetBootstrapBrokers gives it"), timeout,
                .optional("tls", tlsType, "TLS settings"),
            ]), "Which cluster"),
        ], returns: .record(KafkaMetadataRecord.self),
           doc: "Metadata (v1–v8) from the first reachable bootstrap broker: brokers, controller, topics, partitions, under-replicated and offline counts.",
           example: #"kafka_wire.metadata { bootstrap = "b-1.demo:9094,b-2.demo:9094", tls = true }"#) { arguments, _ in
            let bootstrap = try arguments.string("bootstrap")
            let timeout = try arguments.duration("timeout")
            let tls = tlsSettings(arguments["tls"])
            return PreparedCall(request: ["bootstrap": .string(bootstrap), "tls": tlsRequest(tls)], target: bootstrap) { _ in
                let cluster = try await KafkaWireProbe.metadata(bootstrap: bootstrap, timeout: timeout, tls: tls)
                return PrimitiveResult(try LuaEncoder().encode(KafkaMetadataRecord(cluster)))
            }
        },
    ])
}

/// `kafka_wire.api_versions`'s answer.
struct KafkaApiVersionsRecord: LuaRecord {
    static let recordName = "kafka_wire.ApiVersions"
    static let example = KafkaApiVersionsRecord(errorCode: 0, requestVersion: 3, apis: [.init(apiKey: 3, minVersion: 0, maxVersion: 12)])
    struct Range: Encodable, Sendable {
        let apiKey: Int16
        let minVersion: Int16
        let maxVersion: Int16
    }
    let errorCode: Int16
    let requestVersion: Int16
    let apis: [Range]
}

extension KafkaApiVersionsRecord {
    init(_ answer: KafkaApiVersions) {
        self.init(errorCode: answer.errorCode, requestVersion: answer.requestVersion,
                  apis: answer.apis.map { Range(apiKey: $0.apiKey, minVersion: $0.minVersion, maxVersion: $0.maxVersion) })
    }
}

/// `kafka_wire.metadata`'s answer.
struct KafkaMetadataRecord: LuaRecord {
    static let recordName = "kafka_wire.Metadata"
    static let example = KafkaMetadataRecord(
        answeredBy: "b-1.demo:9094", apiVersion: 8, controllerId: 1, clusterId: "abcd",
        brokers: [.init(id: 1, host: "b-1.demo", port: 9094, rack: "use1-az1")],
        topics: [.init(name: "orders", internal: false, errorCode: 0, partitions: [
            .init(index: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2], offlineReplicas: [], underReplicated: true, offline: false, errorCode: 0),
        ])],
        summary: .init(brokers: 3, topics: 1, partitions: 1, underReplicatedPartitions: 1, offlinePartitions: 0))
    struct Broker: Encodable, Sendable {
        let id: Int32
        let host: String
        let port: Int32
        let rack: String?
    }
    struct Partition: Encodable, Sendable {
        let index: Int32
        let leader: Int32
        let replicas: [Int32]
        let isr: [Int32]
        let offlineReplicas: [Int32]
        let underReplicated: Bool
        let offline: Bool
        let errorCode: Int16
    }
    struct Topic: Encodable, Sendable {
        let name: String
        let `internal`: Bool
        let errorCode: Int16
        let partitions: [Partition]
    }
    struct Summary: Encodable, Sendable {
        let brokers: Int
        let topics: Int
        let partitions: Int
        let underReplicatedPartitions: Int
        let offlinePartitions: Int
    }
    let answeredBy: String
    let apiVersion: Int16
    let controllerId: Int32
    let clusterId: String?
    let brokers: [Broker]
    let topics: [Topic]
    let summary: Summary
}

extension KafkaMetadataRecord {
    init(_ cluster: KafkaClusterMetadata) {
        let summary = cluster.summary
        self.init(
            answeredBy: cluster.answeredBy.description, apiVersion: cluster.apiVersion, controllerId: cluster.controllerId,
            clusterId: cluster.clusterId,
            brokers: cluster.brokers.map { Broker(id: $0.nodeId, host: $0.host, port: $0.port, rack: $0.rack) },
            topics: cluster.topics.map { topic in
                Topic(name: topic.name, internal: topic.isInternal, errorCode: topic.errorCode, partitions: topic.partitions.map {
                    Partition(index: $0.index, leader: $0.leader, replicas: $0.replicas, isr: $0.isr, offlineReplicas: $0.offlineReplicas,
                              underReplicated: $0.isUnderReplicated, offline: $0.isOffline, errorCode: $0.errorCode)
                })
            },
            summary: Summary(brokers: summary.brokers, topics: summary.topics, partitions: summary.partitions,
                             underReplicatedPartitions: summary.underReplicatedPartitions, offlinePartitions: summary.offlinePartitions))
    }
}
