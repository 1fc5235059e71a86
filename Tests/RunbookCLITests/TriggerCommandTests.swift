import Foundation
import TestSupport
import Testing

/// `runbook trigger --explain` with the repository's runbooks, on events shaped as AWS sends them.
struct TriggerCommandTests {
    static let cpuAlarm = #"""
        {"version":"0","id":"c4c1c1c9-6542-e61b-6ef0-8c4d36933a92","detail-type":"CloudWatch Alarm State Change",
         "source":"aws.cloudwatch","account":"123456789012","time":"2019-10-02T17:04:40Z","region":"us-east-1",
         "resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:demo-HighCPU"],
         "detail":{"alarmName":"demo-HighCPU","configuration":{"metrics":[{"id":"m1",
            "metricStat":{"metric":{"dimensions":{"Cluster Name":"demo","Broker ID":"2"},"name":"CpuUser","namespace":"AWS/Kafka"},
            "period":300,"stat":"Average"},"returnData":true}]},
          "state":{"reason":"Threshold Crossed","reasonData":"{\"version\":\"1.0\",\"recentDatapoints\":[99.5],\"threshold\":50.0}",
           "timestamp":"2019-10-02T17:04:40.989+0000","value":"ALARM"}}}
        """#

    static let diskAlarm = #"""
        {"AlarmName":"demo-Disk","AWSAccountId":"123456789012","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed",
         "StateChangeTime":"2026-11-26T10:43:51.207+0000","Region":"EU (Ireland)","OldStateValue":"OK",
         "AlarmArn":"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-Disk",
         "Trigger":{"MetricName":"KafkaDataLogsDiskUsed","Namespace":"AWS/Kafka","Statistic":"MAXIMUM",
          "Dimensions":[{"value":"demo","name":"Cluster Name"},{"value":"1","name":"Broker ID"}],"Period":60,"Threshold":80.0}}
        """#

    func explain(_ event: String) async throws -> CLI.Output {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("event.json", event)
        return try await cli.run("trigger", "--explain", "--event", file, "--runbooks", packageRoot + "/runbooks")
    }

    @Test func aCPUAlarmRoutesToHighCPU() async throws {
        let output = try await explain(Self.cpuAlarm)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("matched msk.high-cpu (trigger #1"), "\(output.stdout)")
        #expect(output.stdout.contains("chosen  msk.high-cpu cluster_name=demo\n"), "\(output.stdout)")
    }

    @Test func aDiskAlarmRoutesToStorage() async throws {
        let output = try await explain(Self.diskAlarm)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("chosen  msk.storage cluster_name=demo\n"), "\(output.stdout)")
    }

    @Test func anAlarmNoTriggerTakesIsNoMatch() async throws {
        let output = try await explain(Self.diskAlarm.replacingOccurrences(of: "KafkaDataLogsDiskUsed", with: "BytesInPerSec"))
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasSuffix("alarm \"demo-Disk\" ALARM\n  no match\n"), "\(output.stdout)")
    }

    /// An invalid runbook was once left out without a word, so a "no match" could hide a typo.
    @Test func anInvalidRunbookIsNamedNotSkippedSilently() async throws {
        let cli = CLI()
        defer { cli.remove() }
        cli.write("runbooks/broken.lua", "return runbook { name = \"broken\" }")
        cli.write("runbooks/cpu.lua", """
            return runbook { name = "cpu", version = "1.0.0", description = "d",
              params = { cluster_name = { type = "string" } },
              triggers = { { namespace = "AWS/Kafka", metric = "CpuUser", params = { cluster_name = "dimension:Cluster Name" } } },
              run = function(p) end }
            """)
        let file = cli.write("event.json", Self.cpuAlarm)
        let output = try await cli.run("trigger", "--explain", "--event", file, "--runbooks", cli.home + "/runbooks")
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("chosen  cpu cluster_name=demo\n"), "\(output.stdout)")
        #expect(output.stderr.contains("runbook: warning: not routed to, invalid:") && output.stderr.contains("broken.lua"), "\(output.stderr)")
    }

    /// A folder without runbooks once gave "no match" and exit 0, hiding a wrong --runbooks.
    @Test func noRunbooksAtAllIsAnError() async throws {
        let cli = CLI()
        defer { cli.remove() }
        let file = cli.write("event.json", Self.cpuAlarm)
        let output = try await cli.run("trigger", "--explain", "--event", file, "--runbooks", cli.home + "/missing")
        #expect(output.status == 2)
        #expect(output.stderr.contains("no runbook files (*.lua) in \(cli.home)/missing"), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    @Test func aMalformedEventExitsTwoWithTheField() async throws {
        let output = try await explain(Self.cpuAlarm.replacingOccurrences(of: #""value":"ALARM""#, with: #""value":true"#))
        #expect(output.status == 2)
        #expect(output.stderr.contains("malformed event: event.detail.state.value: expected a string, not a boolean"), "\(output.stderr)")
    }
}
