import Foundation
import LuaKit
import RunbookEngine
import TestSupport
import Testing

struct AlarmEventTests {
    static func one(_ text: String) throws -> AlarmEvent {
        let events = try AlarmEvents.parse(Array(text.utf8))
        try #require(events.count == 1)
        return events[0]
    }

    @Test func eventBridgeMetricAlarm() throws {
        let event = try Self.one(AlarmPayloads.metricAlarm)
        #expect(event.source == .cloudwatch)
        #expect(event.id == "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92")
        #expect(event.alarm == "demo-HighCPU" && event.state == "ALARM")
        #expect(event.namespace == "AWS/Kafka" && event.metric == "CpuUser")
        #expect(event.dimensions == ["Cluster Name": "demo", "Broker ID": "2"])
        #expect(event.value == 99.50160229693434)
        #expect(event.raw["detail"]["alarmName"] == "demo-HighCPU")
    }

    /// Two brokers' metrics agree on namespace, metric and cluster, not on the broker.
    @Test func eventBridgeMetricMathAlarmKeepsWhatItsMetricsShare() throws {
        let event = try Self.one(AlarmPayloads.metricMathAlarm)
        #expect(event.namespace == "AWS/Kafka" && event.metric == "KafkaDataLogsDiskUsed")
        #expect(event.dimensions == ["Cluster Name": "demo"])
        #expect(event.value == 85)
    }

    @Test func eventBridgeCompositeAlarmHasNoMetric() throws {
        let event = try Self.one(AlarmPayloads.compositeAlarm)
        #expect(event.alarm == "ServiceAggregatedAlarm" && event.state == "ALARM")
        #expect(event.namespace == nil && event.metric == nil && event.dimensions.isEmpty && event.value == nil)
    }

    @Test func snsNotificationEnvelopedAndBare() throws {
        let enveloped = try Self.one(AlarmPayloads.snsEnvelope(AlarmPayloads.snsMessage))
        let bare = try Self.one(AlarmPayloads.snsMessage)
        for event in [enveloped, bare] {
            #expect(event.source == .cloudwatch && event.alarm == "demo-HighCPU" && event.state == "ALARM")
            #expect(event.namespace == "AWS/Kafka" && event.metric == "CpuUser")
            #expect(event.dimensions == ["Cluster Name": "demo", "Broker ID": "2"])
            #expect(event.raw["AlarmName"] == "demo-HighCPU")
        }
        #expect(enveloped.id == "b8e1a2f6-4c8a-5d2b-9b0e-6f0e1c2d3a4b")
        #expect(bare.id == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:demo-HighCPU@2015-06-03T17:43:27.123+0000")
    }

    @Test func alertmanagerGroupGivesOneEventPerAlert() throws {
        let events = try AlarmEvents.parse(Array(AlarmPayloads.alertmanagerGroup.utf8))
        try #require(events.count == 2)
        #expect(events[0].source == .alertmanager && events[0].alarm == "KafkaBrokerDown" && events[0].state == "firing")
        #expect(events[0].id == "1a30ba71cca2921f@2023-02-06T13:08:45.828Z")
        #expect(events[0].labels["cluster"] == "demo" && events[0].annotations["summary"] == "Broker 3 of demo is down")
        #expect(!events[0].isResolved && events[1].isResolved)
    }

    static let refused: [(String, String)] = [
        ("", "event: malformed JSON: unexpected end of input at byte 1"),
        ("[1, 2]", "event: expected an object, not a list"),
        ("{\"hello\": 1}", "event: not a known alarm event"),
        (String(AlarmPayloads.metricAlarm.dropLast(40)), "event: malformed JSON"),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: #""value":"ALARM""#, with: #""value":7"#),
         "event.detail.state.value: expected a string, not a number"),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: #""value":"ALARM""#, with: #""value":"PANIC""#),
         "event.detail.state.value: expected one of ALARM, OK, INSUFFICIENT_DATA, not \"PANIC\""),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: "CloudWatch Alarm State Change", with: "EC2 Instance State-change Notification"),
         "event.detail-type: expected \"CloudWatch Alarm State Change\""),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: #""alarmName":"demo-HighCPU","#, with: ""),
         "event.detail.alarmName: missing"),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: #""Cluster Name":"demo""#, with: #""Cluster Name":["demo"]"#),
         "event.detail.configuration.metrics[0].metricStat.metric.dimensions[\"Cluster Name\"]: expected a string, not a list"),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: "[70.2,99.50160229693434]", with: "[\\\"high\\\"]"),
         "event.detail.state.reasonData.recentDatapoints[0]: expected a finite number, not a string"),
        (AlarmPayloads.metricAlarm.replacingOccurrences(of: #"\"version\":\"1.0\",\"queryDate"#, with: #"\"version\":\"1.0\",,\"queryDate"#),
         "event.detail.state.reasonData: malformed JSON"),
        (AlarmPayloads.snsEnvelope(AlarmPayloads.snsMessage).replacingOccurrences(of: "\"Notification\"", with: "\"SubscriptionConfirmation\""),
         "event.Type: expected \"Notification\""),
        (AlarmPayloads.snsEnvelope("{\"AlarmName\": 3}"), "event.Message.AlarmName: expected a string, not a number"),
        (AlarmPayloads.snsEnvelope("not json"), "event.Message: malformed JSON"),
        (AlarmPayloads.snsMessage.replacingOccurrences(of: #"{"value":"demo","name":"Cluster Name"}"#, with: #"{"value":"demo"}"#),
         "event.Trigger.Dimensions[0].name: missing"),
        (AlarmPayloads.alertmanagerGroup.replacingOccurrences(of: #""version":"4""#, with: #""version":"3""#),
         "event.version: expected \"4\""),
        (AlarmPayloads.alertmanagerGroup.replacingOccurrences(of: #""fingerprint":"1a30ba71cca2921f""#, with: #""fingerprint":12"#),
         "event.alerts[0].fingerprint: expected a string, not a number"),
        (AlarmPayloads.alertmanagerGroup.replacingOccurrences(of: #""alertname":"KafkaBrokerDown","cluster":"demo""#, with: #""cluster":"demo""#),
         "event.alerts[0].labels.alertname: missing"),
        (AlarmPayloads.alertmanagerGroup.replacingOccurrences(of: #""alerts":["#, with: #""alerts":{"a":1},"x":["#),
         "event.alerts: expected a list, not an object"),
        // A Trigger or configuration of the wrong type once read as an alarm without a metric.
        (AlarmPayloads.snsMessage.replacingOccurrences(of: #""Trigger":{"#, with: #""Trigger":"x","Unused":{"#),
         "event.Trigger: expected an object, not a string"),
        (AlarmPayloads.compositeAlarm.replacingOccurrences(of: #""configuration":{"#, with: #""configuration":["x"],"unused":{"#),
         "event.detail.configuration: expected an object, not a list"),
    ]

    @Test(arguments: refused)
    func malformedEventsAreRefusedNamingTheField(text: String, expected: String) {
        #expect {
            try AlarmEvents.parse(Array(text.utf8))
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }

    @Test func inputPastTheCapIsRefusedUnread() {
        let huge = [UInt8](repeating: UInt8(ascii: " "), count: AlarmEvents.maximumBytes + 1)
        #expect { try AlarmEvents.parse(huge) } throws: { "\($0)" == "event: 1048577 bytes, more than the 1048576 read" }
    }

    @Test func deepNestingIsRefused() {
        let deep = "{\"alerts\":" + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}"
        #expect { try AlarmEvents.parse(Array(deep.utf8)) } throws: { "\($0)".contains("nesting deeper than") }
    }
}
