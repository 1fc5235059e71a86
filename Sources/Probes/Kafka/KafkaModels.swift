/// The version range a broker supports for one request type (API key).
public struct KafkaApiVersionRange: Sendable, Equatable, CustomStringConvertible {
    /// The API key, such as 3 (Metadata) or 18 (ApiVersions).
    public let apiKey: Int16
    /// The lowest supported version.
    public let minVersion: Int16
    /// The highest supported version.
    public let maxVersion: Int16

    /// Creates a range.
    public init(apiKey: Int16, minVersion: Int16, maxVersion: Int16) {
        self.apiKey = apiKey
        self.minVersion = minVersion
        self.maxVersion = maxVersion
    }

    /// Like `3: v0-v12`.
    public var description: String { "\(apiKey): v\(minVersion)-v\(maxVersion)" }
}

/// A broker's ApiVersions answer.
public struct KafkaApiVersions: Sendable, Equatable {
    /// The ApiVersions version the answer was decoded as (3, or 0 after an UNSUPPORTED_VERSION fallback).
    public let requestVersion: Int16
    /// The top-level error code; 0 means success.
    public let errorCode: Int16
    /// The supported version range of each API key, in the broker's order.
    public let apis: [KafkaApiVersionRange]

    /// Creates an answer.
    public init(requestVersion: Int16, errorCode: Int16, apis: [KafkaApiVersionRange]) {
        self.requestVersion = requestVersion
        self.errorCode = errorCode
        self.apis = apis
    }

    /// The range for `apiKey`, or `nil` when the broker does not list it.
    public func range(for apiKey: Int16) -> KafkaApiVersionRange? {
        apis.first { $0.apiKey == apiKey }
    }
}

/// One broker as listed in a Metadata response.
public struct KafkaBroker: Sendable, Equatable {
    /// The broker (node) id.
    public let nodeId: Int32
    /// The advertised host.
    public let host: String
    /// The advertised port.
    public let port: Int32
    /// The rack, when configured (Metadata v1+).
    public let rack: String?
}

/// One partition as listed in a Metadata response.
public struct KafkaPartition: Sendable, Equatable {
    /// The partition-level error code; 0 means none (5 is LEADER_NOT_AVAILABLE, 9 REPLICA_NOT_AVAILABLE).
    public let errorCode: Int16
    /// The partition index.
    public let index: Int32
    /// The leader's broker id; negative (-1, -2) when the partition has no leader.
    public let leader: Int32
    /// Broker ids of all replicas.
    public let replicas: [Int32]
    /// Broker ids of the in-sync replicas.
    public let isr: [Int32]
    /// Broker ids of offline replicas (Metadata v5+; empty before).
    public let offlineReplicas: [Int32]

    /// True when some assigned replica is not in sync. Sets, not counts: an ISR of `[7, 8]`
    /// against replicas `[1, 2]` has the right size and none of the right brokers.
    public var isUnderReplicated: Bool { !Set(replicas).isSubset(of: Set(isr)) }
    /// True when the partition has no live leader: -1 (none) or any other negative id (-2,
    /// as brokers send while a leader is being elected or is unknown).
    public var isOffline: Bool { leader < 0 }
}

/// One topic as listed in a Metadata response.
public struct KafkaTopic: Sendable, Equatable {
    /// The topic-level error code; 0 means none.
    public let errorCode: Int16
    /// The topic name.
    public let name: String
    /// True for internal topics such as `__consumer_offsets` (Metadata v1+).
    public let isInternal: Bool
    /// The partitions, in the broker's order.
    public let partitions: [KafkaPartition]
}

/// Counts derived from a Metadata response.
public struct KafkaMetadataSummary: Sendable, Equatable {
    /// Brokers listed.
    public let brokers: Int
    /// Topics listed.
    public let topics: Int
    /// Topics with a non-zero error code.
    public let topicsWithErrors: Int
    /// Partitions over all topics.
    public let partitions: Int
    /// Partitions whose ISR is smaller than their replica set.
    public let underReplicatedPartitions: Int
    /// Partitions without a leader.
    public let offlinePartitions: Int
}

/// A cluster's Metadata as answered by one bootstrap broker.
public struct KafkaClusterMetadata: Sendable, Equatable {
    /// The bootstrap broker that answered.
    public let answeredBy: HostPort
    /// The Metadata version used.
    public let apiVersion: Int16
    /// The brokers the cluster advertises.
    public let brokers: [KafkaBroker]
    /// The cluster id (Metadata v2+), if the broker reports one.
    public let clusterId: String?
    /// The controller's broker id, or -1 if unknown.
    public let controllerId: Int32
    /// All topics.
    public let topics: [KafkaTopic]

    /// Counts of brokers, topics and unhealthy partitions.
    public var summary: KafkaMetadataSummary {
        let partitions = topics.flatMap(\.partitions)
        return KafkaMetadataSummary(
            brokers: brokers.count,
            topics: topics.count,
            topicsWithErrors: topics.filter { $0.errorCode != 0 }.count,
            partitions: partitions.count,
            underReplicatedPartitions: partitions.filter(\.isUnderReplicated).count,
            offlinePartitions: partitions.filter(\.isOffline).count)
    }

    /// The topic named `name`, if listed.
    public func topic(named name: String) -> KafkaTopic? {
        topics.first { $0.name == name }
    }
}
