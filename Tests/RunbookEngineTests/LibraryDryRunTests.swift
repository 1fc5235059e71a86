import AWSKit
import Foundation
import RunbookEngine
import Testing
import TestSupport

/// The MSK runbook library, each runbook run as a dry run against real peers (the world `make demo`
/// builds: librdkafka's mock cluster, a real ZooKeeper, moto behind the signature-checking proxy and
/// the MSK stand-in naming them), with a broker down and then with every broker up; what reached the
/// AWS servers is counted there, where the engine's own classing has no say.
@Suite(.serialized)
struct LibraryDryRunTests {
    static let arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo-local/abcd-3"
    static let runs: [(runbook: String, params: [String])] = [
        ("broker-connectivity", ["cluster_name=demo-local", "timeout=1"]),
        ("connectivity-test", ["cluster_name=demo-local", "timeout=1"]),
        ("high-cpu", ["cluster_name=demo-local", "threshold=80"]),
        ("storage", ["cluster_name=demo-local"]),
        ("zookeeper-status", ["cluster_name=demo-local"]),
        ("reboot-broker", ["cluster_arn=\(arn)", "broker_id=3"]),
    ]

    @Test func noRunbookSendsAMutatingRequestInADryRunWhateverTheClusterLooksLike() async throws {
        let kafka = try await KafkaMockCluster.start(brokers: 3, topics: ["orders:6:3", "payments:3:3"])
        defer { kafka.stop() }
        let zookeeper = try await ZooKeeperServer.start(whitelistAll: true)
        let moto = try await MotoServer()
        let folder = RunbookFolder()
        defer { folder.remove() }
        let seed = folder.path + "/seed.json"
        let cluster: [String: Any] = ["name": "demo-local", "arn": Self.arn, "brokerEndpoints": kafka.bootstrap.split(separator: ",").map(String.init),
                                      "zookeeperConnectString": zookeeper.connectString]
        try JSONSerialization.data(withJSONObject: [cluster]).write(to: URL(fileURLWithPath: seed))
        let standIn = try await KafkaTestServer(["--seed", seed, "--access-key", "\(moto.accessKeyID):\(moto.secretAccessKey)"])
        _ = try await moto.runScript("moto_seed.py", ["--cluster", "demo-local", "--library"])
        try await zookeeper.createNodes(["/brokers/ids/1", "/brokers/ids/2"])
        let settings = AWSSettings(region: "us-east-1", environment: [
            "AWS_ENDPOINT_URL": moto.url, "AWS_ENDPOINT_URL_KAFKA": standIn.url,
        ]) { AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey) }

        let seeded = try await moto.requests().count
        func runAll(expecting expected: [String: [String]]) async throws {
            for (runbook, params) in Self.runs {
                let record = try await run(file: packageRoot + "/runbooks/msk/\(runbook).lua", arguments: params, dryRun: true,
                                           configuration: EngineConfiguration(aws: settings))
                let codes = record.events(.finding).compactMap(\.code).sorted()
                #expect(codes == expected[runbook] ?? [], "\(runbook): \(codes) \(record.result.message ?? "")")
            }
        }
        // Leadership set, not left to the mock: broker 1 leads 5 of the 9 partitions.
        for (partition, leader) in [1, 2, 3, 1, 2, 3].enumerated() { try await kafka.command("leader orders \(partition) \(leader)") }
        for partition in 0..<3 { try await kafka.command("leader payments \(partition) 1") }
        // Broker 3 down and missing from /brokers/ids; broker 2 hot, broker 1's disk filling.
        try await kafka.command("down 3")
        try await runAll(expecting: [
            "broker-connectivity": ["broker-unreachable"], "connectivity-test": ["broker-unreachable"],
            "high-cpu": ["cpu-high", "cpu-skew", "leader-imbalance"], "storage": ["disk-full-soon", "disk-high"],
            "zookeeper-status": ["zk-broker-missing"],
        ])
        // Every broker up and registered: msk.reboot-broker refuses a healthy broker.
        try await kafka.command("up 3")
        try await zookeeper.createNodes(["/brokers/ids/3"])
        try await runAll(expecting: [
            "high-cpu": ["cpu-high", "cpu-skew", "leader-imbalance"], "storage": ["disk-full-soon", "disk-high"],
            "reboot-broker": ["precondition-broker-healthy"],
        ])

        let kafkaRequests = try await standIn.requests()
        #expect(!kafkaRequests.isEmpty)
        let kafkaWrites = kafkaRequests.filter { ($0["method"] as? String) != "GET" }
        #expect(kafkaWrites.isEmpty, "\(kafkaWrites)")
        let awsRequests = try await moto.requests().dropFirst(seeded)
        #expect(awsRequests.contains { $0.operation == "GetMetricStatistics" && $0.signatureValid })
        let awsWrites = awsRequests.filter { request in
            let operation = request.operation ?? ""
            return !["Get", "List", "Describe"].contains { operation.hasPrefix($0) }
        }
        #expect(awsWrites.isEmpty, "\(awsWrites.map { $0.operation ?? $0.path })")
    }
}
