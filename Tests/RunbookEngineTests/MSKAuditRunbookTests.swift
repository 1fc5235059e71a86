import AWSKit
import Foundation
import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// runbooks/msk/audit.lua and ensure-alarms.lua, the files as shipped, against clusters that
/// Tests/Support/msk_audit_seed.py builds with boto3: EC2, CloudWatch Logs, S3, SNS, SQS and
/// CloudWatch in moto (behind the signature-checking proxy), the cluster and its configuration in
/// the MSK stand-in, which shares moto's key. One of each server for the suite; every scenario has
/// a cluster name of its own.
@Suite(.serialized)
struct MSKAuditRunbookTests {
    static let moto = SharedMotoServer()
    static let kafka = SharedKafkaStandIn()

    static let allChecks = ["sg-open-world", "sg-not-separated", "subnets-az", "config-default", "config-revision-behind",
                            "logging-disabled", "logging-target-missing", "alarm-missing-cpu", "alarm-missing-storage",
                            "alarm-no-action"]

    struct Cluster {
        let arn: String
        let name: String
        let topicARN: String
    }

    /// Builds a cluster; `scenario` holds msk_audit_seed.py's members other than the name.
    func cluster(_ scenario: [String: any Sendable] = [:]) async throws -> Cluster {
        let moto = try await Self.moto.get()
        let kafka = try await Self.kafka.get(sharing: moto)
        let name = "audit-" + UUID().uuidString.prefix(8).lowercased()
        let json = try JSONSerialization.data(withJSONObject: scenario.merging(["name": name]) { $1 })
        let printed = try await moto.runScript("msk_audit_seed.py", [kafka.url, String(decoding: json, as: UTF8.self)])
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: String])
        return Cluster(arn: try #require(answer["cluster_arn"]), name: name, topicARN: try #require(answer["topic_arn"]))
    }

    func run(_ runbook: String, _ arguments: [String], dryRun: Bool = false) async throws -> RunRecord {
        let moto = try await Self.moto.get()
        let kafka = try await Self.kafka.get(sharing: moto)
        let settings = AWSSettings(region: "us-east-1", environment: [
            "AWS_ENDPOINT_URL": moto.url, "AWS_ENDPOINT_URL_KAFKA": kafka.url,
        ]) { [moto] in AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey) }
        let record = try await RunbookEngineTests.run(file: packageRoot + "/runbooks/msk/\(runbook).lua", arguments: arguments,
                                                      dryRun: dryRun, configuration: EngineConfiguration(aws: settings))
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        return record
    }

    func audit(_ cluster: Cluster) async throws -> RunRecord {
        try await run("audit", ["cluster_arn=\(cluster.arn)"])
    }

    func ensureAlarms(_ cluster: Cluster, _ more: [String] = [], dryRun: Bool = false) async throws -> RunRecord {
        try await run("ensure-alarms", ["cluster_arn=\(cluster.arn)", "topic_arn=\(cluster.topicARN)"] + more, dryRun: dryRun)
    }

    /// Each check's status in the closing table the run showed (`summary_table`): passed,
    /// skipped, or the finding's severity.
    func table(_ record: RunRecord) -> [String: String] {
        let shown = record.events(.table).last { $0.name == "Audit" }
        #expect(shown?.columns == ["check", "status", "detail"])
        return Dictionary((shown?.rows ?? []).compactMap { row in row.count == 3 ? (row[0], row[1]) : nil }) { $1 }
    }

    func codes(_ record: RunRecord) -> [String] { record.events(.finding).compactMap(\.code).sorted() }

    /// The PutMetricAlarm requests that reached moto while `body` ran, counted at the proxy.
    func putMetricAlarmsSent(during body: () async throws -> Void) async throws -> Int {
        let moto = try await Self.moto.get()
        let before = try await moto.requests().count
        try await body()
        return try await moto.requests().dropFirst(before).filter { $0.operation == "PutMetricAlarm" && $0.forwarded }.count
    }

    @Test func aHealthyClusterPassesEveryCheck() async throws {
        let record = try await audit(try await cluster())
        #expect(codes(record).isEmpty, "\(record.events(.finding).map { $0.summary ?? "" })")
        #expect(table(record) == Dictionary(uniqueKeysWithValues: Self.allChecks.map { ($0, "passed") }), "\(table(record))")
        let passed = record.events(.log).compactMap { $0.detail?["status"] == "passed" ? $0.detail?["check"].stringValue : nil }
        #expect(passed.sorted() == Self.allChecks.sorted())
        #expect(record.events(.call).allSatisfy { $0.effect == "read" && $0.error == nil })
    }

    /// A deliberately bad cluster, and the findings (code and severity) it must give, no more.
    struct BadCluster: Sendable, CustomTestStringConvertible {
        let label: String
        let scenario: [String: any Sendable]
        let findings: [String: String]
        var testDescription: String { label }
    }

    static let badClusters = [
        BadCluster(label: "one AZ", scenario: ["zones": 1], findings: ["subnets-az": "high"]),
        BadCluster(label: "two AZs", scenario: ["zones": 2, "brokers": 4], findings: ["subnets-az": "medium"]),
        BadCluster(label: "4 brokers over 3 AZs", scenario: ["brokers": 4], findings: ["subnets-az": "medium"]),
        BadCluster(label: "9094 open to 0.0.0.0/0", scenario: ["open_port": 9094], findings: ["sg-open-world": "high"]),
        BadCluster(label: "2181 open to ::/0", scenario: ["open_ipv6": 2181], findings: ["sg-open-world": "high"]),
        BadCluster(label: "22 open to 0.0.0.0/0 is no Kafka port", scenario: ["open_port": 22], findings: [:]),
        BadCluster(label: "one shared security group", scenario: ["shared_sg": true], findings: ["sg-not-separated": "low"]),
        BadCluster(label: "an internal group that admits clients too", scenario: ["mixed_sg": true],
                   findings: ["sg-not-separated": "low"]),
        BadCluster(label: "default configuration", scenario: ["config": "none"], findings: ["config-default": "low"]),
        BadCluster(label: "configuration behind", scenario: ["config": "behind"], findings: ["config-revision-behind": "info"]),
        BadCluster(label: "logging disabled", scenario: ["logging": "none"], findings: ["logging-disabled": "medium"]),
        BadCluster(label: "log group missing", scenario: ["logging": "missing-group"], findings: ["logging-target-missing": "high"]),
        BadCluster(label: "bucket missing", scenario: ["logging": "missing-bucket"], findings: ["logging-target-missing": "high"]),
        BadCluster(label: "logging to an existing bucket", scenario: ["logging": "s3"], findings: [:]),
        BadCluster(label: "no alarms", scenario: ["alarms": "none"],
                   findings: ["alarm-missing-cpu": "medium", "alarm-missing-storage": "medium"]),
        BadCluster(label: "alarms without an action", scenario: ["alarms": "no-action"], findings: ["alarm-no-action": "medium"]),
        BadCluster(label: "alarms on a topic without a subscription", scenario: ["alarms": "no-subscription"],
                   findings: ["alarm-no-action": "medium"]),
        BadCluster(label: "alarms on a topic that does not exist", scenario: ["alarms": "no-topic"],
                   findings: ["alarm-no-action": "medium"]),
    ]

    @Test(arguments: badClusters)
    func aBadClusterGivesItsFindings(_ bad: BadCluster) async throws {
        let record = try await audit(try await cluster(bad.scenario))
        let found = Dictionary(record.events(.finding).map { ($0.code ?? "", $0.severity ?? "") }) { $0 + "," + $1 }
        #expect(found == bad.findings)
        let statuses = table(record)
        #expect(statuses.keys.sorted() == Self.allChecks.sorted(), "\(statuses)")
        for (code, severity) in bad.findings { #expect(statuses[code] == severity.uppercased(), "\(code): \(statuses)") }
    }

    /// moto answers DescribeAlarmsForMetric with every alarm on the metric, whatever the dimensions;
    /// an alarm on broker 1 must still not cover brokers 2 and 3.
    @Test func anAlarmOnOneBrokerDoesNotCoverTheOthers() async throws {
        let record = try await audit(try await cluster(["alarms": "broker-1"]))
        #expect(codes(record) == ["alarm-missing-cpu", "alarm-missing-storage"])
        let summaries = record.events(.finding).compactMap(\.summary)
        #expect(summaries.contains("no CpuUser alarm covers brokers 2, 3"), "\(summaries)")
        #expect(summaries.contains("no KafkaDataLogsDiskUsed alarm covers brokers 2, 3"), "\(summaries)")
    }

    @Test func ensureAlarmsCreatesWhatTheAuditMissesAndASecondRunSendsNothing() async throws {
        let bare = try await cluster(["alarms": "none"])
        let before = try await audit(bare)
        #expect(codes(before) == ["alarm-missing-cpu", "alarm-missing-storage"])

        var first: RunRecord?
        let created = try await putMetricAlarmsSent { first = try await ensureAlarms(bare) }
        #expect(created == 6)
        #expect(first?.events(.call).filter { $0.operation == "PutMetricAlarm" }.allSatisfy { $0.httpStatus == 200 } == true)

        let after = try await audit(bare)
        #expect(codes(after).isEmpty, "\(after.events(.finding).map { $0.summary ?? "" })")
        #expect(table(after)["alarm-no-action"] == "passed")

        var second: RunRecord?
        let again = try await putMetricAlarmsSent { second = try await ensureAlarms(bare) }
        #expect(again == 0)
        #expect(second?.events(.log).contains { $0.message == "nothing to change: all 6 alarms exist as wanted" } == true)
        #expect(second?.events(.stepFinished).last?.result?["unchanged"].intValue == 6)
    }

    @Test func aChangedThresholdPutsOnlyTheAlarmsItChanges() async throws {
        let bare = try await cluster(["alarms": "none"])
        _ = try await ensureAlarms(bare)
        var changed: RunRecord?
        let sent = try await putMetricAlarmsSent { changed = try await ensureAlarms(bare, ["cpu_threshold=75"]) }
        #expect(sent == 3)
        let put = changed?.events(.call).filter { $0.operation == "PutMetricAlarm" }.compactMap { $0.request?["body"] } ?? []
        #expect(put.map { $0["MetricName"] } == ["CpuUser", "CpuUser", "CpuUser"])
        #expect(put.allSatisfy { $0["Threshold"].doubleValue == 75 }, "\(put)")
    }

    @Test func aDryRunOfEnsureAlarmsSendsNoPutMetricAlarmAndPlansEachRequest() async throws {
        let bare = try await cluster(["alarms": "none"])
        var dry: RunRecord?
        let sent = try await putMetricAlarmsSent { dry = try await ensureAlarms(bare, dryRun: true) }
        #expect(sent == 0)
        let planned = dry?.events(.call).filter { $0.planned == true } ?? []
        #expect(planned.count == 6 && planned.allSatisfy { $0.operation == "PutMetricAlarm" && $0.effect == "mutate" })
        #expect(dry?.events(.runFinished).last?.plannedActions == 6)
        let first = try #require(planned.first?.request?["body"])
        #expect(first["AlarmName"] == .string("MSK \(bare.name) broker 1 CpuUser"))
        #expect(first["AlarmActions"] == [.string(bare.topicARN)])
        #expect(first["Dimensions"] == [["Name": "Cluster Name", "Value": .string(bare.name)], ["Name": "Broker ID", "Value": "1"]])
        #expect(first["Threshold"].doubleValue == 60 && first["Period"].intValue == 300 && first["Namespace"] == "AWS/Kafka",
                "\(first)")
        #expect(Set(planned.compactMap { $0.request?["body"]["AlarmName"].stringValue }).count == 6)
        let after = try await audit(bare)
        #expect(codes(after) == ["alarm-missing-cpu", "alarm-missing-storage"])
    }
}

/// The MSK stand-in for a whole suite, accepting the suite's moto key so one credential signs for
/// both, started at its first use.
actor SharedKafkaStandIn {
    private var server: KafkaTestServer?

    func get(sharing moto: MotoServer) async throws -> KafkaTestServer {
        if let server { return server }
        let started = try await KafkaTestServer(["--access-key", "\(moto.accessKeyID):\(moto.secretAccessKey)"])
        server = started
        return started
    }
}
