import AWSKit
import Foundation
import LuaKit
import RunbookEngine
import Testing
import TestSupport

/// The `cloudwatch` module against moto, a real CloudWatch implementation we did not write, behind
/// the proxy that checks every request's signature.
@Suite(.serialized)
struct CloudWatchModuleTests {
    let moto: MotoServer
    let configuration: EngineConfiguration

    init() async throws {
        moto = try await MotoServer()
        try await moto.seedMetrics()
        configuration = EngineConfiguration(aws: AWSSettings(region: "us-east-1", endpointURL: moto.url) { [moto] in
            AWSCredentials(accessKeyID: moto.accessKeyID, secretAccessKey: moto.secretAccessKey)
        })
    }

    func run(_ body: String, dryRun: Bool = false) async throws -> RunRecord {
        try await RunbookEngineTests.run(runbookSource(body), dryRun: dryRun, configuration: configuration)
    }

    @Test func seriesReturnsTheDatapointsSortedByTime() async throws {
        let record = try await run("""
            local points = step("cpu", function()
              return cloudwatch.series { namespace = "AWS/Kafka", metric = "CpuUser",
                dimensions = { ["Cluster Name"] = "demo", ["Broker ID"] = "2" }, stat = "Maximum", period = 300 }
            end)
            local values = {}
            for i, point in ipairs(points) do
              values[i] = point.value
              if i > 1 then assert(point.time > points[i - 1].time) end
            end
            step("values", function() return values end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let values = record.events(.stepFinished).last?.result?.tableValue?.array.compactMap(\.doubleValue) ?? []
        #expect(values.count >= 10)
        #expect(values.last == 94 || values.contains(94))
        #expect(values == values.sorted())
        let call = record.events(.call).first
        #expect(call?.operation == "GetMetricStatistics" && call?.httpStatus == 200)
        #expect(call?.request?["body"]["Dimensions"][1]["Name"] == "Broker ID")
    }

    @Test func putMetricAlarmIsPlannedInADryRunAndSentLive() async throws {
        let body = """
            local answer = cloudwatch.put_metric_alarm { alarm_name = "demo-cpu-high", namespace = "AWS/Kafka", metric = "CpuUser",
              dimensions = { ["Cluster Name"] = "demo" }, statistic = "Maximum", period = 300, evaluation_periods = 1,
              threshold = 80, comparison_operator = "GreaterThanThreshold" }
            local alarms = cloudwatch.describe_alarms { alarm_names = { "demo-cpu-high" } }
            step("result", function() return { planned = answer.planned == true, found = #(alarms.MetricAlarms or {}) } end)
            """
        let dry = try await run(body, dryRun: true)
        #expect(dry.result.exit == .ok, "\(dry.result.message ?? "")")
        #expect(dry.events(.stepFinished).last?.result == ["planned": true, "found": 0])
        let planned = dry.events(.call).first { $0.planned == true }
        #expect(planned?.operation == "PutMetricAlarm")
        #expect(planned?.request?["body"]["AlarmName"] == "demo-cpu-high")
        #expect(planned?.request?["body"]["MetricName"] == "CpuUser")
        let live = try await run(body)
        #expect(live.result.exit == .ok, "\(live.result.message ?? "")")
        #expect(live.events(.stepFinished).last?.result == ["planned": false, "found": 1])
    }

    @Test func aServiceErrorReachesLuaWithCodeAndRequest() async throws {
        let record = try await run("""
            local ok, err = pcall(cloudwatch.set_alarm_state, { alarm_name = "no-such-alarm", state_value = "ALARM", state_reason = "test" })
            assert(not ok)
            step("error", function() return err end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        let text = record.events(.stepFinished).last?.result?.stringValue ?? ""
        #expect(text.contains("cloudwatch.SetAlarmState: ResourceNotFound"), "\(text)")
    }

    /// moto checks no signature; the proxy in front of it does. A run that reads and writes alarms
    /// went through it, every request signed as AWS would accept it.
    @Test func everyRequestOfARunIsSignatureChecked() async throws {
        let record = try await run("""
            cloudwatch.put_metric_alarm { alarm_name = "signed-cpu", namespace = "AWS/Kafka", metric = "CpuUser",
              dimensions = { ["Cluster Name"] = "demo" }, statistic = "Maximum", period = 300, evaluation_periods = 1,
              threshold = 80, comparison_operator = "GreaterThanThreshold" }
            local alarms = cloudwatch.describe_alarms { alarm_names = { "signed-cpu" } }
            local points = cloudwatch.series { namespace = "AWS/Kafka", metric = "CpuUser",
              dimensions = { ["Cluster Name"] = "demo", ["Broker ID"] = "1" }, stat = "Average", period = 300 }
            step("result", function() return { alarms = #alarms.MetricAlarms, points = #points >= 10 } end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == ["alarms": 1, "points": true])
        let requests = try await moto.requests()
        let calls = requests.filter { $0.operation.map { ["PutMetricAlarm", "DescribeAlarms", "GetMetricStatistics"].contains($0) } ?? false }
        #expect(calls.map(\.operation) == ["PutMetricAlarm", "DescribeAlarms", "GetMetricStatistics"], "\(requests.map(\.operation))")
        // The seed's PutMetricData (boto3) and the run's calls (AWSKit), every one checked and passed on.
        #expect(requests.count > calls.count)
        for request in requests {
            #expect(request.signatureValid && request.forwarded && request.status == 200,
                    "\(request.operation ?? request.path): \(request.code ?? "") \(request.message ?? "")")
            #expect(request.service == "monitoring" && request.region == "us-east-1")
        }
    }

    /// Keys were guessed into PascalCase, so `ok_actions` went out as `OkActions`, a member CloudWatch
    /// does not have, and the alarm got no OK action; keys are now the model's members by boto3's names.
    @Test func okActionsReachTheAlarm() async throws {
        let topic = "arn:aws:sns:us-east-1:123456789012:ok-topic"
        let record = try await run("""
            cloudwatch.put_metric_alarm { alarm_name = "ok-actions", namespace = "AWS/Kafka", metric = "CpuUser",
              statistic = "Maximum", period = 300, evaluation_periods = 1, threshold = 80,
              comparison_operator = "GreaterThanThreshold", ok_actions = { "\(topic)" } }
            local alarm = cloudwatch.describe_alarms { alarm_names = { "ok-actions" } }.MetricAlarms[1]
            step("actions", function() return alarm.OKActions end)
            """)
        #expect(record.result.exit == .ok, "\(record.result.message ?? "")")
        #expect(record.events(.stepFinished).last?.result == [.string(topic)])
        #expect(record.events(.call).first?.request?["body"]["OKActions"] == [.string(topic)])
    }
}
