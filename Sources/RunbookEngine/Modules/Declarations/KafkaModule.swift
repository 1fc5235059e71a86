import AWSKit
import LuaKit

extension LuaModule {
    /// `kafka`: Amazon MSK's API.
    static let kafka = LuaModule("kafka", doc: """
        Amazon MSK, over the generated `aws.kafka` operations: the same requests, dry-run classes and \
        journal. Arguments are snake_case; results are the service's JSON as plain tables, with the wire \
        member names of the AWS API reference (`clusterInfo.state`) and the members of botocore's model.
        """, awsService: .kafka, functions: [
        operation("DescribeCluster", [clusterArn], "DescribeCluster: the cluster's state, brokers and settings.",
             #"kafka.describe_cluster(p.cluster_arn).clusterInfo.state"#),
        operation("DescribeClusterV2", [clusterArn], "DescribeClusterV2: provisioned and serverless clusters.",
             #"kafka.describe_cluster_v2(p.cluster_arn)"#),
        operation("ListClustersV2", [.optional("options", .options([
            .optional("name_filter", .string, "Clusters whose names start with this"),
            .optional("type_filter", .choice(["PROVISIONED", "SERVERLESS"]), "The cluster type"),
            maxResults, nextToken,
        ]), "Filters and paging")], "ListClustersV2: one page of clusters.", #"kafka.list_clusters_v2 { name_filter = "orders" }"#),
        operation("ListNodes", [clusterArn, paging], "ListNodes: one page of the cluster's brokers.",
             #"kafka.list_nodes(p.cluster_arn).nodeInfoList"#),
        operation("GetBootstrapBrokers", [clusterArn], "GetBootstrapBrokers: the connection strings for every auth mode.",
             #"kafka.get_bootstrap_brokers(p.cluster_arn).bootstrapBrokerStringTls"#),
        operation("RebootBroker", [clusterArn, .required("broker_ids", .ids, "The broker to reboot (MSK takes one at a time)")],
                  "RebootBroker. In a dry run: `{planned = true, clusterOperationArn = \"planned\", request = ...}`.",
                  #"local op = kafka.reboot_broker(p.cluster_arn, { "2" })"#) { arguments in
            ["clusterArn": arguments["cluster_arn"], "clusterOperationArn": "planned"]
        },
        operation("DescribeClusterOperation", [operationArn], "DescribeClusterOperation: an operation's state and steps.",
             #"kafka.describe_cluster_operation(op.clusterOperationArn)"#),
        operation("DescribeClusterOperationV2", [operationArn], "DescribeClusterOperationV2.",
             #"kafka.describe_cluster_operation_v2(op.clusterOperationArn)"#),
        operation("ListClusterOperations", [clusterArn, paging], "ListClusterOperations: one page of the cluster's operations.",
             #"kafka.list_cluster_operations(p.cluster_arn)"#),
        operation("ListClusterOperationsV2", [clusterArn, paging], "ListClusterOperationsV2.",
             #"kafka.list_cluster_operations_v2(p.cluster_arn)"#),
        .lua("brokers", effect: .read, parameters: [clusterArn], returns: .list(.record(KafkaBrokerRecord.self)),
             doc: "ListNodes, every page: one entry per broker, sorted by id.", example: #"for _, b in ipairs(kafka.brokers(p.cluster_arn)) do print(b.id) end"#),
        .lua("cluster_arn", effect: .read, parameters: [.required("name", .string, "The cluster's name, as in an alarm's Cluster Name dimension")],
             returns: .string,
             doc: "ListClustersV2, every page: the ARN of the cluster with exactly this name; an error naming it when there is none.",
             example: #"local arn = p.cluster_arn or kafka.cluster_arn(p.cluster_name)"#),
        .lua("wait_for_operation", effect: .read, parameters: [
            .required("operation", .either(.string, .table), "An operation ARN, or what `reboot_broker` returned"),
            .optional("options", .options([
                .optional("timeout", .seconds(1...86_400), default: 1800, "Seconds to wait in all"),
                .optional("interval", .seconds(0.001...3600), default: 5, "The first wait between polls, doubling"),
                .optional("max_interval", .seconds(0.001...3600), default: 60, "The longest wait between polls"),
            ]), "How long to wait"),
        ], returns: .table("the final `clusterOperationInfo`; `{planned = true, operationState = \"PLANNED\"}` for a planned operation"),
             doc: "Polls DescribeClusterOperation until the operation ends (`*COMPLETE` or `*FAILED`); returns at once for a planned one.",
             example: "local info = kafka.wait_for_operation(op, { timeout = 1800 })"),
    ], source: String(decoding: PackageResources.kafka_lua, as: UTF8.self))

    static let clusterArn = Parameter.required("cluster_arn", .string, "The cluster's ARN")
    static let operationArn = Parameter.required("operation_arn", .string, "The cluster operation's ARN")
    static let maxResults = Parameter.optional("max_results", .integer(1...100), "The most items in one page")
    static let nextToken = Parameter.optional("next_token", .string, "The token of the next page")
    static let paging = Parameter.optional("options", .options([maxResults, nextToken]), "Paging")

    /// An operation of the `kafka` model: its arguments' names are boto3's names of the members
    /// but for the filters and `operation_arn`, which MSK's API names longer.
    private static func operation(
        _ operation: String, _ parameters: [Parameter], _ doc: String, _ example: String,
        planned: @escaping @Sendable (Arguments) -> LuaValue = { _ in [:] }
    ) -> ModuleFunction {
        .aws(operation, client: "kafka", parameters: parameters, renames: [
            "name_filter": "ClusterNameFilter", "type_filter": "ClusterTypeFilter", "operation_arn": "ClusterOperationArn",
        ], doc: doc, example: example, planned: planned)
    }
}

/// One broker in `kafka.brokers`'s answer (built in kafka.lua; this type documents it).
struct KafkaBrokerRecord: LuaRecord {
    static let recordName = "kafka.Broker"
    static let example = KafkaBrokerRecord(
        id: "1", endpoints: ["b-1.demo.kafka.us-east-1.amazonaws.com"], host: "b-1.demo.kafka.us-east-1.amazonaws.com", port: 9092,
        subnet: "subnet-0abc", address: "10.0.1.5",
        instanceType: "kafka.m5.large", nodeArn: "arn:aws:kafka:us-east-1:123456789012:broker/demo/abcd-1/1")
    let id: String
    let endpoints: [String]
    /// The first endpoint's host.
    let host: String?
    /// The first endpoint's port, when it names one (MSK's do not; a stand-in's local peers do).
    let port: Int?
    let subnet: String?
    let address: String?
    let instanceType: String?
    let nodeArn: String?
}
